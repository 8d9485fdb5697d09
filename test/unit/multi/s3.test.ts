import { describe, expect, it } from 'vitest';
import { explainS3Error, parseS3Url } from '../../../src/storage/s3';

describe('S3 URLs and errors', () => {
  it('parses s3://bucket/key and refuses what is not one', () => {
    expect(parseS3Url('s3://runs/a/b.json')).toEqual({ bucket: 'runs', key: 'a/b.json' });
    expect(parseS3Url('s3://runs/')).toEqual({ bucket: 'runs', key: '' });
    expect(() => parseS3Url('s3://Bad_Bucket/x')).toThrow(/not an S3 URL: write s3:\/\/BUCKET\/KEY/);
  });

  it('says how to fix each failure, naming bucket and key, never a secret', () => {
    const err = (name: string, status: number, message = '') => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
    expect(explainS3Error(err('NoSuchBucket', 404), 'read', 's3://runs/t.jsonl').message).toMatch(/cannot read s3:\/\/runs\/t\.jsonl: no such bucket "runs".*create it/);
    expect(explainS3Error(err('NoSuchKey', 404), 'read', 's3://runs/t.jsonl').message).toMatch(/no such object.*check the key/);
    expect(explainS3Error(err('AccessDenied', 403), 'read', 's3://runs/t.jsonl').message).toMatch(/access denied.*s3:GetObject/);
    expect(explainS3Error(err('CredentialsProviderError', 0, 'Could not load credentials from any providers'), 'read', 's3://runs/t').message).toMatch(/no AWS credentials: set AWS_ACCESS_KEY_ID/);
    expect(explainS3Error(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:9000'), { name: 'Error' }), 'write', 's3://runs/r.json').message).toMatch(/cannot reach .*ECONNREFUSED/);
    process.env.AWS_SECRET_ACCESS_KEY = 'very-secret-value';
    const odd = explainS3Error(err('Weird', 500, 'echo very-secret-value back'), 'read', 's3://runs/t');
    expect(odd.message).not.toContain('very-secret-value');
    delete process.env.AWS_SECRET_ACCESS_KEY;
  });
});
