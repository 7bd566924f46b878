/**
 * A Redis URL fit for messages and logs: its password, if any, replaced by `***`.
 *
 * @example
 * ```ts
 * redactUrl('redis://user:secret@host:6379'); // 'redis://user:***@host:6379'
 * ```
 */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}
