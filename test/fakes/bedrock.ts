/**
 * A local fake of Amazon Bedrock Runtime's InvokeModel for Anthropic models, for the real
 * `@anthropic-ai/bedrock-sdk` client pointed at it with `baseURL`:
 *
 *   const bedrock = await startFakeBedrock({
 *     region: 'eu-west-1',
 *     credentials: { accessKeyId, secretAccessKey },
 *     script: [{ text: 'hi' }],
 *   });
 *   new AnthropicBedrock({ awsRegion: 'eu-west-1', baseURL: bedrock.url, … })
 *
 * The wire format it checks, as Bedrock does: `POST /model/{modelId}/invoke`; a SigV4
 * `Authorization` header scoped to `…/{region}/bedrock/aws4_request` whose signature it recomputes
 * (when given the secret key) over the method, path, signed headers and body; a JSON body holding
 * `anthropic_version: "bedrock-2023-05-31"` and the Messages fields minus `model` and `stream`.
 * It answers with the Messages API response JSON (the scripted turns of ./anthropic.ts), and errors
 * as Bedrock does: `{"message": …}` with an `x-amzn-ErrorType` header.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  countAssistantTurns,
  FakeApiError,
  scriptedMessage,
  validateBody,
  type MessagesRequestBody,
  type ReceivedRequest,
  type Script,
  type Turn,
} from './anthropic.js';
import { fakeServer, headerRecord, listenLocally, readBody } from './http-util.js';

export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

export interface SigV4Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export interface BedrockRequest {
  /** 0-based index over every request received. */
  index: number;
  method: string;
  /** The raw path as sent (percent-encoding kept), e.g. `/model/us.anthropic.claude-x-v1:0/invoke`. */
  path: string;
  /** The model id decoded from the path. */
  modelId: string | undefined;
  headers: Record<string, string>;
  body: MessagesRequestBody;
  /** The parsed SigV4 credential scope, if an Authorization header was present. */
  sigv4: SigV4Scope | undefined;
  retryCount: number;
  assistantTurns: number;
  status: number;
  response: unknown;
}

export interface FakeBedrockOptions {
  /** The region this endpoint serves; a signature scoped to another region is refused (403). */
  region: string;
  /** When given, the fake recomputes each SigV4 signature with this secret and refuses a mismatch. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Model ids this account may invoke; any other is a 400 ValidationException, as Bedrock answers. */
  models?: string[];
  /** Scripted turns (./anthropic.ts): an array by arrival, or a function such as byToolResults(). */
  script: Script;
  port?: number;
}

export interface FakeBedrock {
  url: string;
  requests: BedrockRequest[];
  close(): Promise<void>;
}

/** Bedrock's error types by HTTP status (the `x-amzn-ErrorType` header and the SDK's status mapping). */
const ERROR_TYPES: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A SigV4 `Authorization` header: access key id, date, region, service, signed headers, signature. */
const SIGV4_AUTHORIZATION = new RegExp(
  String.raw`^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,` +
    ' ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$',
);

export function parseAuthorization(value: string | undefined): SigV4Scope | undefined {
  const m = SIGV4_AUTHORIZATION.exec(value ?? '');
  if (!m) return undefined;
  return { accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]!, signedHeaders: m[5]!.split(';'), signature: m[6]! };
}

/**
 * The signature AWS would compute for this request (SigV4, non-S3 rules: the path is URI-encoded
 * once more, segment by segment). Written from the SigV4 specification, not with the SDK's signer,
 * so a signing bug in the client cannot be hidden by the same bug here.
 */
export function expectedSignature(opts: {
  method: string;
  rawPath: string;
  headers: Record<string, string>;
  body: Buffer;
  scope: SigV4Scope;
  secretAccessKey: string;
}): string {
  const u = new URL(opts.rawPath, 'http://x');
  const canonicalUri = u.pathname.split('/').map(escapeUri).join('/');
  const canonicalQuery = [...u.searchParams]
    .map(([k, v]) => `${escapeUri(k)}=${escapeUri(v)}`)
    .sort()
    .join('&');
  const canonicalHeaders = opts.scope.signedHeaders.map((h) => `${h}:${(opts.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const payloadHash = opts.headers['x-amz-content-sha256'] ?? sha256Hex(opts.body);
  const canonicalRequest = [
    opts.method,
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    opts.scope.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const credentialScope = `${opts.scope.date}/${opts.scope.region}/${opts.scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', opts.headers['x-amz-date'] ?? '', credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${opts.secretAccessKey}`, opts.scope.date);
  const kSigning = hmac(hmac(hmac(kDate, opts.scope.region), opts.scope.service), 'aws4_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

export async function startFakeBedrock(opts: FakeBedrockOptions): Promise<FakeBedrock> {
  const requests: BedrockRequest[] = [];
  let scriptCalls = 0;

  const sendError = (
    res: ServerResponse,
    rec: BedrockRequest,
    status: number,
    message: string,
    type = ERROR_TYPES[status] ?? 'InternalServerException',
  ) => {
    const body = { message };
    rec.status = status;
    rec.response = body;
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      'x-amzn-requestid': `fake-${rec.index}`,
    });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const headers = headerRecord(req);
    const rawPath = req.url ?? '/';
    const route = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/.exec(new URL(rawPath, 'http://x').pathname);
    let body: MessagesRequestBody = {};
    let parseError: string | undefined;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as MessagesRequestBody;
      else parseError = 'request body must be a JSON object';
    } catch {
      parseError = 'Malformed input request, please reformat your input and try again.';
    }
    const rec: BedrockRequest = {
      index: requests.length,
      method: req.method ?? '',
      path: rawPath,
      modelId: route ? decodeURIComponent(route[1]!) : undefined,
      headers,
      body,
      sigv4: parseAuthorization(headers.authorization),
      retryCount: Number.parseInt(headers['x-stainless-retry-count'] ?? '0', 10) || 0,
      assistantTurns: countAssistantTurns(body),
      status: 0,
      response: undefined,
    };
    requests.push(rec);

    // Authentication first, as AWS checks it before anything else.
    if (!headers.authorization) return sendError(res, rec, 403, 'Missing Authentication Token', 'MissingAuthenticationTokenException');
    const scope = rec.sigv4;
    if (!scope)
      return sendError(
        res,
        rec,
        403,
        'Authorization header requires a SigV4 Credential, SignedHeaders and Signature.',
        'IncompleteSignatureException',
      );
    if (scope.service !== 'bedrock')
      return sendError(res, rec, 403, `Credential should be scoped to correct service: 'bedrock'.`, 'InvalidSignatureException');
    if (scope.region !== opts.region)
      return sendError(res, rec, 403, `Credential should be scoped to a valid region, not '${scope.region}'.`, 'InvalidSignatureException');
    if (!scope.signedHeaders.includes('host') || !headers['x-amz-date'])
      return sendError(res, rec, 403, 'host and x-amz-date must be signed.', 'IncompleteSignatureException');
    if (opts.credentials) {
      if (scope.accessKeyId !== opts.credentials.accessKeyId)
        return sendError(res, rec, 403, 'The security token included in the request is invalid.', 'UnrecognizedClientException');
      const expected = expectedSignature({
        method: rec.method,
        rawPath,
        headers,
        body: raw,
        scope,
        secretAccessKey: opts.credentials.secretAccessKey,
      });
      if (expected !== scope.signature) {
        return sendError(
          res,
          rec,
          403,
          'The request signature we calculated does not match the signature you provided.',
          'InvalidSignatureException',
        );
      }
    }

    if (req.method !== 'POST' || !route)
      return sendError(res, rec, 404, `fake bedrock: no route for ${req.method} ${rawPath}`, 'UnknownOperationException');
    if (route[2] === 'invoke-with-response-stream')
      return sendError(res, rec, 400, 'fake bedrock: InvokeModelWithResponseStream is not implemented');
    if (parseError) return sendError(res, rec, 400, parseError);
    if (body.anthropic_version !== BEDROCK_ANTHROPIC_VERSION) {
      return sendError(
        res,
        rec,
        400,
        `anthropic_version: expected "${BEDROCK_ANTHROPIC_VERSION}", got ${JSON.stringify(body.anthropic_version)}`,
      );
    }
    for (const key of ['model', 'stream']) {
      if (key in body)
        return sendError(
          res,
          rec,
          400,
          `Malformed input request: #: extraneous key [${key}] is not permitted, please reformat your input and try again.`,
        );
    }
    if (opts.models && !opts.models.includes(rec.modelId!)) return sendError(res, rec, 400, 'The provided model identifier is invalid.');
    const problem = validateBody({ ...body, model: rec.modelId });
    if (problem) return sendError(res, rec, 400, problem);

    const index = scriptCalls++;
    let turn: Turn | undefined;
    try {
      turn =
        typeof opts.script === 'function'
          ? await opts.script({ ...rec, body: { ...body, model: rec.modelId } } as unknown as ReceivedRequest, index)
          : opts.script[index];
    } catch (e) {
      return sendError(res, rec, e instanceof FakeApiError ? e.spec.status : 500, e instanceof Error ? e.message : String(e));
    }
    if (!turn) return sendError(res, rec, 400, `fake bedrock: script exhausted (request #${rec.index})`);
    if (turn.delayMs) await new Promise((r) => setTimeout(r, turn.delayMs));
    if (turn.error)
      return sendError(res, rec, turn.error.status, turn.error.message ?? ERROR_TYPES[turn.error.status] ?? 'error', turn.error.type);

    const message = scriptedMessage({ ...body, model: rec.modelId }, rec.index, turn);
    rec.status = 200;
    rec.response = message;
    const text = JSON.stringify(message);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      'x-amzn-requestid': `fake-${rec.index}`,
      'x-amzn-bedrock-input-token-count': String(message.usage.input_tokens),
      'x-amzn-bedrock-output-token-count': String(message.usage.output_tokens),
    });
    res.end(text);
  };

  const server = fakeServer(handle, (e) => ({ message: `fake bedrock internal: ${String(e)}` }));
  const port = await listenLocally(server, opts.port);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
