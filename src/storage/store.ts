// Where a run's files live: a local path or an s3:// URL, behind the same calls, so --trace,
// --summary-json, --out jsonl=, --start-file and `report merge` take either.

import { createReadStream, statSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileSource, firstText } from './file-source';
import { s3Chunks } from './s3-chunks';
import { getObjectText, isS3Url, listKeys, parseS3Url, putObject } from './s3';
import { writeJson } from '../engine/summary';
import type { TraceSource } from '../trace/source';

/** A trace's source and its first bytes (for format detection), from a file or S3 (streamed). */
export function openTraceSource(path: string, firstBytes = 64 * 1024): { first: string; src: TraceSource } {
  if (!isS3Url(path)) return { first: firstText(path, firstBytes), src: fileSource(path) };
  // The first pass goes on with the stream the first bytes came from (one GET, not two).
  let opened: Generator<string> | undefined = s3Chunks(path, firstBytes);
  const head = opened.next();
  const first = head.done ? '' : head.value;
  const firstPass = function* (stream: Generator<string>): Generator<string> {
    if (!head.done) yield head.value;
    yield* stream;
  };
  const chunks = () => {
    const stream = opened;
    opened = undefined;
    return stream ? firstPass(stream) : s3Chunks(path);
  };
  return { first, src: { file: path, chunks } };
}

/** Writes JSON to a file (creating folders) or to S3. */
export async function writeJsonTo(path: string, value: unknown): Promise<void> {
  if (isS3Url(path)) await putObject(path, JSON.stringify(value, null, 2) + '\n');
  else writeJson(path, value);
}

/** Uploads a local file to S3 as a stream (its length known, so no buffering). */
export async function uploadFile(local: string, url: string, contentType: string): Promise<void> {
  await putObject(url, createReadStream(local), statSync(local).size, contentType);
}

/** The text of a file or an S3 object. */
export async function readTextFrom(path: string): Promise<string> {
  return isS3Url(path) ? getObjectText(path) : readFileSync(path, 'utf8');
}

/** Result files named by the arguments: files and objects as given, folders and s3:// prefixes (ending in /) as their *.json. */
export async function resultFiles(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    if (isS3Url(a) && a.endsWith('/')) {
      const { bucket } = parseS3Url(a);
      out.push(...(await listKeys(a)).filter((k) => k.endsWith('.json')).map((k) => `s3://${bucket}/${k}`));
    } else if (!isS3Url(a) && statSync(a, { throwIfNoEntry: false })?.isDirectory()) {
      out.push(...readdirSync(a).filter((f) => f.endsWith('.json')).sort().map((f) => join(a, f)));
    } else out.push(a);
  }
  return out;
}
