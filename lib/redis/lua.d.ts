// A `.lua` file imported as its source text: esbuild's text loader in the Lambda bundles
// (serverless.yml), a Vite plugin under vitest (test/vitest.config.ts) and a Node loader hook under tsx
// (localstack/support/lua-loader.mjs). Only lib/redis/lua-scripts.ts imports them.
declare module '*.lua' {
  const source: string;
  export default source;
}
