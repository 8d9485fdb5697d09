// S3 (and S3-compatible stores) for traces, start files and results: s3://bucket/key URLs, one
// client configured from the usual AWS environment variables, and errors that name the bucket
// and key and say how to fix them. Secrets are never part of a message.

import type { S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

export interface S3Location {
  bucket: string;
  key: string;
}

export function isS3Url(text: string | undefined): text is string {
  return typeof text === 'string' && text.startsWith('s3://');
}

/** s3://bucket/key -> its parts (key may be '' or end in '/' for a prefix). */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(m[1])) {
    throw new S3Error(`${url}: not an S3 URL: write s3://BUCKET/KEY (bucket in lower case, 3 to 63 characters)`);
  }
  return { bucket: m[1], key: m[2] };
}

export function s3Url(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}`;
}

/** A problem with S3 the user can fix; the message names the object and the fix. */
export class S3Error extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'S3Error';
  }
}

/** The endpoint of an S3-compatible store, when one is set (AWS_ENDPOINT_URL_S3 wins). */
export function s3Endpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

let client: S3Client | undefined;
/** The SDK, loaded on the first s3:// use: ~1 MB of code a run without S3 never parses. */
let sdk: typeof import('@aws-sdk/client-s3') | undefined;

async function loadSdk(): Promise<typeof import('@aws-sdk/client-s3')> {
  sdk ??= await import('@aws-sdk/client-s3');
  return sdk;
}

/**
 * The client of this process: credentials from the SDK's default chain (AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY, a profile, a pod's web identity), region from AWS_REGION, and
 * path-style addressing when an endpoint is set (S3-compatible stores rarely have bucket DNS).
 */
export async function s3Client(env: NodeJS.ProcessEnv = process.env): Promise<S3Client> {
  if (client) return client;
  const { S3Client } = await loadSdk();
  // The pinned SDK runs on Node 20; its notice about later SDK versions would only clutter runs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = s3Endpoint(env);
  client = new S3Client({
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    // Checksums only where S3 requires them: several S3-compatible stores reject the rest.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return client;
}

/** Any secret value of the environment replaced by ***, in text that may quote a request. */
function scrub(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID']) {
    const v = env[name];
    if (v && v.length >= 4) out = out.split(v).join('***');
  }
  return out;
}

/** An SDK or network error as an S3Error naming `url` and the fix. */
export function explainS3Error(e: unknown, action: string, url: string): S3Error {
  if (e instanceof S3Error) return e;
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err.name ?? '';
  const status = err.$metadata?.httpStatusCode;
  const { bucket } = parseS3Url(url);
  const where = s3Endpoint() ? ` at ${s3Endpoint()}` : '';
  const say = (text: string, code: string) => new S3Error(`cannot ${action} ${url}: ${text}`, code);
  if (name === 'CredentialsProviderError' || (/credential/i.test(err.message ?? '') && !status)) {
    return say('no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or a role) in the environment', 'NoCredentials');
  }
  if (name === 'NoSuchBucket' || (name === 'NotFound' && action.startsWith('write'))) {
    return say(`no such bucket "${bucket}"${where}: create it (aws s3 mb s3://${bucket}) or fix the URL`, 'NoSuchBucket');
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return say(`no such object${where}: check the key (aws s3 ls ${url})`, 'NoSuchKey');
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return say('the credentials were rejected: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for a non-AWS store)', 'BadCredentials');
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
    return say(`access denied: the credentials in use may not ${action.split(' ')[0]} in bucket "${bucket}" (grant s3:${action.startsWith('read') ? 'GetObject' : action.startsWith('list') ? 'ListBucket' : 'PutObject'})`, 'AccessDenied');
  }
  if (name === 'PermanentRedirect' || status === 301) return say(`bucket "${bucket}" is in another region: set AWS_REGION to it`, 'WrongRegion');
  const net = err.code ?? (/(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|ECONNRESET)/.exec(err.message ?? '')?.[1]);
  if (net) return say(`cannot reach ${s3Endpoint() ?? 'S3'} (${net}): check AWS_ENDPOINT_URL / AWS_REGION and the network`, 'Network');
  return say(scrub(`${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(e)}`), name || 'Unknown');
}

/** The object's body as a stream (not buffered whole). */
export async function getObjectStream(url: string): Promise<Readable> {
  const { bucket, key } = parseS3Url(url);
  try {
    const { GetObjectCommand } = await loadSdk();
    const out = await (await s3Client()).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body as Readable;
  } catch (e) {
    throw explainS3Error(e, 'read', url);
  }
}

export async function getObjectText(url: string): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of await getObjectStream(url)) chunks.push(c as Buffer);
  } catch (e) {
    throw explainS3Error(e, 'read', url);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes an object; `body` a string, or a stream with its length. */
export async function putObject(url: string, body: string | Uint8Array | Readable, contentLength?: number, contentType = 'application/json'): Promise<void> {
  const { bucket, key } = parseS3Url(url);
  try {
    const { PutObjectCommand } = await loadSdk();
    await (await s3Client()).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: contentLength, ContentType: contentType }));
  } catch (e) {
    throw explainS3Error(e, 'write', url);
  }
}

/** Every key under a prefix URL (s3://bucket/prefix/), in key order. */
export async function listKeys(prefixUrl: string): Promise<string[]> {
  const { bucket, key: prefix } = parseS3Url(prefixUrl);
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const { ListObjectsV2Command } = await loadSdk();
      const out = await (await s3Client()).send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  } catch (e) {
    throw explainS3Error(e, 'list', prefixUrl);
  }
  return keys.sort();
}

/** Fails early (before a run sends anything) when results could not be written to `url`. */
export async function checkBucket(url: string): Promise<void> {
  const { bucket } = parseS3Url(url);
  try {
    const { HeadBucketCommand } = await loadSdk();
    await (await s3Client()).send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (e) {
    throw explainS3Error(e, 'write to', url);
  }
}
