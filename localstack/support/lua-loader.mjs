// Lets Node (under tsx, for the npm scripts and the bench) import a `.lua` file as its source text, as
// esbuild's text loader does in the Lambda bundles: `node --import ./localstack/support/lua-loader.mjs`.
import { register } from 'node:module';

register('./lua-loader-hooks.mjs', import.meta.url);
