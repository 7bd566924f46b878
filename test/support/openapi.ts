import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const DOCUMENT_ID = 'https://banku.local/openapi.json';
const document = parse(readFileSync(new URL('../../lib/api/openapi.yaml', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
ajv.addSchema({ ...document, $id: DOCUMENT_ID });

const escapePointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Checks a response against the OpenAPI document in `lib/api/openapi.yaml`: the status must be
 * documented for the operation, and a JSON body must match its schema. Returns the problems found.
 */
export function contractViolations(path: string, method: string, status: number, body: unknown): string[] {
  const operation = document.paths?.[path]?.[method.toLowerCase()];
  if (!operation) return [`${method} ${path} is not in the OpenAPI document`];
  let response = operation.responses?.[String(status)];
  let pointer = `/paths/${escapePointer(path)}/${method.toLowerCase()}/responses/${status}`;
  if (!response) return [`${method} ${path} does not document status ${status}`];
  if (typeof response.$ref === 'string') {
    pointer = response.$ref.slice(1);
    response = pointer
      .split('/')
      .slice(1)
      .reduce((node: Record<string, unknown>, key: string) => node[key] as Record<string, unknown>, document);
  }
  if (!response.content) return body === undefined || body === '' ? [] : [];
  const validate = ajv.getSchema(`${DOCUMENT_ID}#${pointer}/content/application~1json/schema`);
  if (!validate) return [`no schema at ${pointer}`];
  if (validate(body)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message}`);
}
