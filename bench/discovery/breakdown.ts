/**
 * Where a gateway request's time goes, layer by layer, for one browse request: the SQL alone, the domain function
 * (SQL + mapping to cards), the Lambda handler invoked in-process (middy, zod, JSON.stringify), and the whole HTTP path.
 * Each layer adds one thing to the one before, so the differences between rows are the cost of each layer.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Sql } from 'postgres';
import { browseContent, browseContentQuery, readAsAnon } from '../../functions/discovery/queries.ts';
import { BrowseContentQuery } from '../../functions/discovery/routes/browse-content.ts';
import type { HttpLoad } from './http-load.ts';
import { measure, merge, type LoadLimits, type Measurement } from './measure.ts';
import { perRound } from './suite.ts';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** A payload 2.0 GET event with no authorizer, shaped like the gateway's (only what the middy stack reads). */
function getEvent(path: string, query: Record<string, string>): APIGatewayProxyEventV2 {
  const now = new Date();
  return {
    version: '2.0', routeKey: `GET ${path}`, rawPath: path, rawQueryString: new URLSearchParams(query).toString(),
    headers: { host: 'localhost' }, queryStringParameters: query, isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000', apiId: 'bench', domainName: 'localhost', domainPrefix: 'localhost', requestId: 'bench',
      routeKey: `GET ${path}`, stage: '$default', time: now.toUTCString(), timeEpoch: now.getTime(),
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    },
  };
}

const context = (): Context => ({
  callbackWaitsForEmptyEventLoop: false, functionName: 'discovery-http', functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:discovery-http', memoryLimitInMB: '512',
  awsRequestId: 'bench', logGroupName: '/aws/lambda/discovery-http', logStreamName: 'bench',
  getRemainingTimeInMillis: () => 10_000, done: () => {}, fail: () => {}, succeed: () => {},
});

export interface Layer {
  name: string;
  measurement: Measurement;
}

/** Measures the four layers of `GET /browse-content?<query>` (the discovery feature's Lambda, the module the gateway mounted); `load` is the whole budget. */
export async function measureLayers(options: {
  app: Sql; http: HttpLoad; query: Record<string, string>; load: LoadLimits; rounds: number;
}): Promise<Layer[]> {
  const { handler } = await import('../../functions/discovery/http.ts') as { handler: Handler };
  const input = BrowseContentQuery().parse(options.query);
  if (input.sort === 'trending') throw new Error('breakdown: use sort recent or popular');
  const sort = input.sort;
  const path = `/browse-content?${new URLSearchParams(options.query)}`;
  const layers: [string, (limits: LoadLimits) => Promise<Measurement>][] = [
    ['SQL only (builder, readAsAnon)', (limits) => measure(() => readAsAnon(options.app, async (tx) => browseContentQuery(tx, { ...input, sort })), limits)],
    ['+ domain function (cards, cursor)', (limits) => measure(() => browseContent(options.app, input), limits)],
    ['+ feature Lambda in-process (router, middy, zod, JSON)', (limits) => measure(async () => {
      const result = await handler(getEvent('/browse-content', options.query), context());
      if (result.statusCode !== 200) throw new Error(`handler → ${result.statusCode} ${result.body?.slice(0, 200)}`);
    }, limits)],
    ['+ gateway over HTTP (load process, keep-alive)', (limits) => options.http.measure(path, limits)],
  ];
  // Rounds alternate the layers, as the main tables alternate the paths.
  const rounds: Measurement[][] = layers.map(() => []);
  for (let round = 0; round < options.rounds; round += 1) {
    for (const [i, [, run]] of layers.entries()) rounds[i]!.push(await run(perRound(options.load, options.rounds)));
  }
  return layers.map(([name], i) => ({ name, measurement: merge(rounds[i]!) }));
}
