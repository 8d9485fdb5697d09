// What a multi-host test asks of its S3 server from inside a test namespace (the test process
// itself is outside): `mb BUCKET`, `put S3_URL FILE`, `get S3_URL`. Uses the same client as the engine.
import { readFileSync } from 'node:fs';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { getObjectText, putObject, s3Client } from '../../../src/storage/s3';

const [command, a, b] = process.argv.slice(2);
if (command === 'mb') await (await s3Client()).send(new CreateBucketCommand({ Bucket: a }));
else if (command === 'put') await putObject(a, readFileSync(b), undefined, 'application/octet-stream');
else if (command === 'get') process.stdout.write(await getObjectText(a));
else throw new Error(`s3-admin: unknown command ${command} (mb BUCKET | put S3_URL FILE | get S3_URL)`);
