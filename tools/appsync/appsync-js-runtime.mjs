// A model of the APPSYNC_JS runtime's `util` (module '@aws-appsync/utils'), for running the stack's resolver
// code under Node in simulate.mjs. The npm package '@aws-appsync/utils' ships type definitions only (its `util`
// is an empty object); AppSync provides the implementation. Modelled here, after the APPSYNC_JS reference
// ("Built-in utilities"): util.error (throws: evaluation stops, the field resolves to null with one error) and
// util.appendError (records an error, evaluation goes on). Any other member is absent on purpose: code that
// uses one fails loudly here instead of being tested against a guess.

export class AppSyncJsError extends Error {
  constructor(message, errorType, data, errorInfo) {
    super(String(message));
    this.errorType = errorType ?? null;
    this.data = data ?? null;
    this.errorInfo = errorInfo ?? null;
  }

  toJSON() {
    return { message: this.message, errorType: this.errorType, data: this.data, errorInfo: this.errorInfo };
  }
}

const appended = [];

export const util = Object.freeze({
  error(message, errorType, data, errorInfo) {
    throw new AppSyncJsError(message, errorType, data, errorInfo);
  },
  appendError(message, errorType, data, errorInfo) {
    appended.push(new AppSyncJsError(message, errorType, data, errorInfo).toJSON());
  },
});

/** The errors util.appendError recorded since the last call (one handler evaluation). */
export function takeAppendedErrors() {
  return appended.splice(0, appended.length);
}
