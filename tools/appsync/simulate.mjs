// The company API on @aws-amplify/amplify-appsync-simulator, configured as the stack deploys it, with the
// project's resolver function as its Lambda data source.
//
//   node simulate.mjs CONFIG.json
//
// CONFIG (written by tests/integration/test_appsync_simulator.py from the Pulumi program's declared resources):
//   api:         { name, authenticationType, schema, accountId, authRoleName, unAuthRoleName, authAccessKeyId }
//   dataSources: [{ name, type }]                         (type AWS_LAMBDA)
//   resolvers:   [{ typeName, fieldName, kind, dataSource, runtime: { name, runtimeVersion }, code }]
//   lambda:      { command: [argv...], cwd, env }           (a process running tools/appsync/lambda_host.py)
//
// Prints one JSON line {"url": ...} once the API answers on 127.0.0.1, then serves until stdin closes.
//
// What the simulator does not model, and how this driver covers it:
// - APPSYNC_JS resolvers: the simulator runs VTL only. Each resolver is given a fixed pair of VTL "bridge"
//   templates: the request template hands the resolver's context to this driver, which runs the resolver's own
//   APPSYNC_JS code (the stack's code text, unedited, imported as an ES module; '@aws-appsync/utils' resolves to
//   the runtime model in appsync-js-runtime.mjs), invokes the function with the request handler's payload, runs
//   the response handler on the function's answer, and the response template raises what util.error raised
//   through the simulator's own $util.error (so errors have AppSync's shape). Before serving, the code is
//   linted with AWS's @aws-appsync/eslint-plugin (base rules: the language subset APPSYNC_JS accepts).
// - SigV4: the simulator reads the access key id from the Authorization header and never checks the signature;
//   identity.userArn is the configured auth role for authAccessKeyId, else the unauth role. IAM policies
//   (appsync:GraphQL on field ARNs) are not evaluated: the stack tests assert those policies.
// - identity has no accountId in the simulator (AppSync sends one); the resolver reads userArn only.
// - PRIVATE visibility and disabled introspection are not modelled (the stack tests assert both settings).
import { createRequire, register } from 'node:module';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

register('./appsync-utils-loader.mjs', import.meta.url);
const { AppSyncJsError, takeAppendedErrors } = await import('./appsync-js-runtime.mjs');

const require = createRequire(import.meta.url);
const { AmplifyAppSyncSimulator } = require('@aws-amplify/amplify-appsync-simulator');
const { OperationServer } = require('@aws-amplify/amplify-appsync-simulator/lib/server/operations');
const { ESLint } = require('eslint');
const appsyncLint = require('@aws-appsync/eslint-plugin');

const MODELLED_RUNTIME = { name: 'APPSYNC_JS', runtimeVersion: '1.0.0' };
const LAMBDA_TIMEOUT_MS = 25_000; // the stack's resolver function timeout

// The request template passes the context APPSYNC_JS would see; the response template raises, with the
// simulator's $util.error, whatever the JS handlers raised.
const BRIDGE_REQUEST = `{
  "version": "2018-05-29",
  "operation": "Invoke",
  "payload": {
    "arguments": $util.toJson($ctx.arguments),
    "identity": $util.toJson($ctx.identity),
    "source": $util.toJson($ctx.source),
    "info": {
      "fieldName": $util.toJson($ctx.info.fieldName),
      "parentTypeName": $util.toJson($ctx.info.parentTypeName),
      "variables": $util.toJson($ctx.info.variables),
      "selectionSetList": $util.toJson($ctx.info.selectionSetList)
    },
    "request": { "headers": $util.toJson($ctx.request.headers) }
  }
}`;
const BRIDGE_RESPONSE = `#if($ctx.error)
$util.error($ctx.error.message, $ctx.error.type)
#end
#foreach($e in $ctx.result.appended)
$util.appendError($e.message, $e.errorType, $e.data, $e.errorInfo)
#end
#if($ctx.result.raised)
$util.error($ctx.result.raised.message, $ctx.result.raised.errorType, $ctx.result.raised.data, $ctx.result.raised.errorInfo)
#end
$util.toJson($ctx.result.value)`;

function fail(message) {
  process.stderr.write(`simulate.mjs: ${message}\n`);
  process.exit(2);
}

/** One warm Lambda container: one invocation at a time, answers in order. */
class LambdaContainer {
  constructor({ command, cwd, env }) {
    this.child = spawn(command[0], command.slice(1), { cwd, env, stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.on('exit', (code) => {
      for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(`the function's process exited (${code})`));
    });
    this.waiting = [];
    this.queue = Promise.resolve();
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.resolve(JSON.parse(line)));
  }

  invoke(payload) {
    const run = () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('Task timed out')), LAMBDA_TIMEOUT_MS);
        this.waiting.push({
          resolve: (answer) => (clearTimeout(timer), resolve(answer)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        });
        this.child.stdin.write(`${JSON.stringify(payload)}\n`);
      });
    const answer = this.queue.then(run, run);
    this.queue = answer.catch(() => undefined);
    return answer;
  }

  stop() {
    this.child.stdin.end();
  }
}

async function lintResolverCode(resolvers) {
  const eslint = new ESLint({ overrideConfigFile: true, overrideConfig: [appsyncLint.configs.base] });
  const problems = [];
  for (const resolver of resolvers) {
    const [report] = await eslint.lintText(resolver.code, { filePath: `${resolver.typeName}.${resolver.fieldName}.js` });
    for (const m of report.messages) {
      problems.push(`${resolver.typeName}.${resolver.fieldName}:${m.line}:${m.column} ${m.ruleId ?? 'parse'}: ${m.message}`);
    }
  }
  return problems;
}

async function loadHandlers(code) {
  const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  if (typeof module.request !== 'function' || typeof module.response !== 'function') {
    throw new Error('an APPSYNC_JS unit resolver must export request(ctx) and response(ctx)');
  }
  return module;
}

/** Run one JS handler as the runtime would: a util.error ends it with that error; appended errors are kept. */
function evaluate(handler, ctx) {
  takeAppendedErrors();
  try {
    return { value: handler(ctx), appended: takeAppendedErrors() };
  } catch (error) {
    if (error instanceof AppSyncJsError) return { raised: error.toJSON(), appended: takeAppendedErrors() };
    throw error; // a runtime error in the code itself: the simulator reports it, the test fails
  }
}

function lambdaRequestProblem(request) {
  if (request === null || typeof request !== 'object') return 'the request handler returned no object';
  if (request.operation !== 'Invoke') return `operation ${JSON.stringify(request.operation)} is not Invoke`;
  const extra = Object.keys(request).filter((k) => !['operation', 'payload', 'invocationType'].includes(k));
  if (extra.length) return `unknown Lambda request members ${extra.join(', ')}`;
  return null;
}

async function main() {
  const configPath = process.argv[2];
  if (!configPath) fail('usage: node simulate.mjs CONFIG.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  const { api, dataSources, resolvers, lambda } = config;

  if (api.authenticationType !== 'AWS_IAM') fail(`only AWS_IAM is wired here, not ${api.authenticationType}`);
  const sources = new Map(dataSources.map((s) => [s.name, s]));
  for (const r of resolvers) {
    if (r.kind !== 'UNIT') fail(`${r.typeName}.${r.fieldName}: only UNIT resolvers are modelled`);
    if (r.runtime?.name !== MODELLED_RUNTIME.name || r.runtime?.runtimeVersion !== MODELLED_RUNTIME.runtimeVersion) {
      fail(`${r.typeName}.${r.fieldName}: runtime ${JSON.stringify(r.runtime)} is not modelled`);
    }
    if (sources.get(r.dataSource)?.type !== 'AWS_LAMBDA') fail(`${r.typeName}.${r.fieldName}: no Lambda data source`);
  }
  const problems = await lintResolverCode(resolvers);
  if (problems.length) fail(`the resolver code is not valid APPSYNC_JS:\n${problems.join('\n')}`);

  const handlers = new Map();
  for (const r of resolvers) handlers.set(`${r.typeName}.${r.fieldName}`, await loadHandlers(r.code));
  const container = new LambdaContainer(lambda);

  async function invokeThroughJs(snapshot) {
    const key = `${snapshot.info.parentTypeName}.${snapshot.info.fieldName}`;
    const handler = handlers.get(key);
    const ctx = { ...snapshot, args: snapshot.arguments, stash: {}, prev: undefined, env: {} };
    const requested = evaluate(handler.request, ctx);
    if (requested.raised) return requested;
    const problem = lambdaRequestProblem(requested.value);
    if (problem) throw new Error(`${key}: ${problem}`);
    const payload = JSON.parse(JSON.stringify(requested.value.payload ?? null)); // what goes over the wire
    let answer;
    try {
      answer = await container.invoke(payload);
    } catch (error) {
      answer = { unhandled: { errorType: 'Lambda:Unhandled', errorMessage: error.message } };
    }
    if (answer.unhandled) {
      ctx.result = null;
      ctx.error = { message: answer.unhandled.errorMessage, type: 'Lambda:Unhandled' };
    } else {
      ctx.result = answer.result;
    }
    const responded = evaluate(handler.response, ctx);
    return { ...responded, appended: [...requested.appended, ...responded.appended] };
  }

  const simulator = new AmplifyAppSyncSimulator();
  simulator.init({
    schema: { content: api.schema },
    appSync: {
      name: api.name,
      defaultAuthenticationType: { authenticationType: api.authenticationType },
      additionalAuthenticationProviders: [],
      accountId: api.accountId,
      authRoleName: api.authRoleName,
      unAuthRoleName: api.unAuthRoleName,
      authAccessKeyId: api.authAccessKeyId,
    },
    dataSources: dataSources.map((s) => ({ name: s.name, type: s.type, invoke: invokeThroughJs })),
    resolvers: resolvers.map((r) => ({
      kind: 'UNIT',
      typeName: r.typeName,
      fieldName: r.fieldName,
      dataSourceName: r.dataSource,
      requestMappingTemplate: BRIDGE_REQUEST,
      responseMappingTemplate: BRIDGE_RESPONSE,
    })),
  });

  // The simulator's own start() listens on every interface; serve its request handler on loopback instead.
  const operations = new OperationServer({}, simulator);
  const server = createServer(operations.app);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/graphql` })}\n`);

  // Stop when the test closes stdin (or on SIGTERM/SIGINT): end the function's process, then exit.
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    container.stop();
    server.close();
    server.closeAllConnections();
    const exit = () => process.exit(0);
    if (container.child.exitCode !== null || container.child.signalCode !== null) exit();
    container.child.once('exit', exit);
    setTimeout(exit, 5_000).unref();
  };
  process.stdin.on('end', shutdown);
  process.stdin.resume();
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

await main();
