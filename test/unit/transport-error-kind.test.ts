// The JS transport's failure kinds for TLS: Node's ERR_TLS_* codes and OpenSSL's certificate
// verify codes are all `tls` (the native core gives `tls` for every certificate failure).

import { describe, expect, it } from 'vitest';
import { errorKind } from '../../src/engine/transport';

const coded = (code: string) => Object.assign(new Error(code), { code });

describe('errorKind for TLS failures', () => {
  it.each(['ERR_TLS_CERT_ALTNAME_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_SSL_WRONG_VERSION_NUMBER'])('%s is tls', (code) => {
    expect(errorKind(coded(code))).toBe('tls');
  });

  it('leaves other codes alone', () => {
    expect(errorKind(coded('ECONNREFUSED'))).toBe('connect');
    expect(errorKind(coded('HPE_INVALID_CONSTANT'))).toBe('protocol');
    expect(errorKind(coded('EPIPE'))).toBe('other');
  });
});
