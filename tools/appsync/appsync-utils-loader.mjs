// Module resolution hook (node:module register): the resolver code's `import { util } from '@aws-appsync/utils'`
// gets the runtime model next to this file, so the code runs exactly as the stack deploys it, unedited.
const RUNTIME = new URL('./appsync-js-runtime.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === '@aws-appsync/utils') {
    return { url: RUNTIME, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
