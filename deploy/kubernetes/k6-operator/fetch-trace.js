// Runs on the user's k6 (init container of testrun-s3.yaml), not here: downloads the trace
// from S3 with k6-jslib-aws, which k6 loads from jslib.k6.io at run time (it is not on npm and
// not bundled into the export), and writes it where the runner opens TRACE. handleSummary's
// return value is the one way a k6 script writes a file.
// Env: TRACE_BUCKET, TRACE_KEY, TRACE_OUT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// (and AWS_ENDPOINT_URL for an S3-compatible store; see the jslib's docs for its Endpoint).
import { AWSConfig, S3Client } from 'https://jslib.k6.io/aws/0.14.0/s3.js';

export const options = { vus: 1, iterations: 1 };

const s3 = new S3Client(new AWSConfig({
  region: __ENV.AWS_REGION,
  accessKeyId: __ENV.AWS_ACCESS_KEY_ID,
  secretAccessKey: __ENV.AWS_SECRET_ACCESS_KEY,
  ...(__ENV.AWS_ENDPOINT_URL ? { endpoint: __ENV.AWS_ENDPOINT_URL } : {}),
}));

export async function setup() {
  const object = await s3.getObject(__ENV.TRACE_BUCKET, __ENV.TRACE_KEY);
  return { text: object.data };
}

export default function () {}

export function handleSummary(data) {
  return { [__ENV.TRACE_OUT]: data.setup_data.text };
}
