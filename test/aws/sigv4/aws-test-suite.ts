/**
 * Cases from the AWS Signature Version 4 test suite (docs.aws.amazon.com, "Signature
 * Version 4 test suite"), restated as data: the request as received and the signature AWS
 * computes for it, plus the canonical request where it is worth checking step by step.
 * All cases sign with the same credential and time. The form-urlencoded cases are left
 * out: their published canonical request, string to sign and signature disagree.
 */

export const SUITE = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
  service: 'service',
  amzDate: '20150830T123600Z',
  now: new Date('2015-08-30T12:36:00Z'),
  sessionToken:
    'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==',
} as const;

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SuiteCase {
  name: string;
  method: string;
  /** Path and query as on the request line. */
  target: string;
  /** Headers besides Host and X-Amz-Date, which every case has. */
  headers?: Record<string, string | string[]>;
  body?: string;
  signedHeaders: string;
  signature: string;
  /** The canonical request AWS builds, for the cases that exercise canonicalisation. */
  canonicalRequest?: string;
}

const VANILLA_HEADERS = 'host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n';

function creq(method: string, path: string, query: string, headers: string, signed: string, payload = EMPTY_SHA256): string {
  return `${method}\n${path}\n${query}\n${headers}\n${signed}\n${payload}`;
}

export const CASES: SuiteCase[] = [
  {
    name: 'get-vanilla',
    method: 'GET',
    target: '/',
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    canonicalRequest: creq('GET', '/', '', VANILLA_HEADERS, 'host;x-amz-date'),
  },
  {
    name: 'get-header-key-duplicate',
    method: 'GET',
    target: '/',
    headers: { 'my-header1': ['value2', 'value2', 'value1'] },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea',
    canonicalRequest: creq(
      'GET',
      '/',
      '',
      'host:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n',
      'host;my-header1;x-amz-date',
    ),
  },
  {
    name: 'get-header-value-order',
    method: 'GET',
    target: '/',
    headers: { 'my-header1': ['value4', 'value1', 'value3', 'value2'] },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01',
  },
  {
    name: 'get-header-value-trim',
    method: 'GET',
    target: '/',
    headers: { 'my-header1': ' value1', 'my-header2': ' "a   b   c"' },
    signedHeaders: 'host;my-header1;my-header2;x-amz-date',
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
    canonicalRequest: creq(
      'GET',
      '/',
      '',
      'host:example.amazonaws.com\nmy-header1:value1\nmy-header2:"a b c"\nx-amz-date:20150830T123600Z\n',
      'host;my-header1;my-header2;x-amz-date',
    ),
  },
  {
    name: 'get-unreserved',
    method: 'GET',
    target: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
    signedHeaders: 'host;x-amz-date',
    signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
  },
  {
    name: 'get-utf8',
    method: 'GET',
    target: '/\u1234',
    signedHeaders: 'host;x-amz-date',
    signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85',
    canonicalRequest: creq('GET', '/%E1%88%B4', '', VANILLA_HEADERS, 'host;x-amz-date'),
  },
  {
    name: 'get-vanilla-empty-query-key',
    method: 'GET',
    target: '/?Param1=value1',
    signedHeaders: 'host;x-amz-date',
    signature: 'a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb',
  },
  {
    name: 'get-vanilla-query-order-key',
    method: 'GET',
    target: '/?Param1=value2&Param1=Value1',
    signedHeaders: 'host;x-amz-date',
    signature: 'eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1',
    canonicalRequest: creq('GET', '/', 'Param1=Value1&Param1=value2', VANILLA_HEADERS, 'host;x-amz-date'),
  },
  {
    name: 'get-vanilla-query-order-key-case',
    method: 'GET',
    target: '/?Param2=value2&Param1=value1',
    signedHeaders: 'host;x-amz-date',
    signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'get-vanilla-query-order-value',
    method: 'GET',
    target: '/?Param1=value2&Param1=value1',
    signedHeaders: 'host;x-amz-date',
    signature: '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694',
  },
  {
    name: 'get-vanilla-query-unreserved',
    method: 'GET',
    target:
      '/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
    signedHeaders: 'host;x-amz-date',
    signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
  },
  {
    name: 'get-vanilla-utf8-query',
    method: 'GET',
    target: '/?\u1234=bar',
    signedHeaders: 'host;x-amz-date',
    signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
    canonicalRequest: creq('GET', '/', '%E1%88%B4=bar', VANILLA_HEADERS, 'host;x-amz-date'),
  },
  {
    name: 'post-header-key-sort',
    method: 'POST',
    target: '/',
    headers: { 'my-header1': 'value1' },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c',
  },
  {
    name: 'post-header-value-case',
    method: 'POST',
    target: '/',
    headers: { 'my-header1': 'VALUE1' },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d',
  },
  {
    name: 'post-vanilla',
    method: 'POST',
    target: '/',
    signedHeaders: 'host;x-amz-date',
    signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
  },
  {
    name: 'post-vanilla-query',
    method: 'POST',
    target: '/?Param1=value1',
    signedHeaders: 'host;x-amz-date',
    signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11',
  },
  {
    name: 'get-relative-relative',
    method: 'GET',
    target: '/example1/example2/../..',
    signedHeaders: 'host;x-amz-date',
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-slash-pointless-dot',
    method: 'GET',
    target: '/./example',
    signedHeaders: 'host;x-amz-date',
    signature: 'ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5',
  },
  {
    name: 'get-slashes',
    method: 'GET',
    target: '//example//',
    signedHeaders: 'host;x-amz-date',
    signature: '9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84',
    canonicalRequest: creq('GET', '/example/', '', VANILLA_HEADERS, 'host;x-amz-date'),
  },
  {
    name: 'get-space',
    method: 'GET',
    target: '/example space/',
    signedHeaders: 'host;x-amz-date',
    signature: '652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741',
    canonicalRequest: creq('GET', '/example%20space/', '', VANILLA_HEADERS, 'host;x-amz-date'),
  },
  {
    name: 'post-sts-header-before',
    method: 'POST',
    target: '/',
    headers: { 'x-amz-security-token': SUITE.sessionToken },
    signedHeaders: 'host;x-amz-date;x-amz-security-token',
    signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead',
  },
  {
    // The token header was added after signing: present but not signed.
    name: 'post-sts-header-after',
    method: 'POST',
    target: '/',
    headers: { 'x-amz-security-token': SUITE.sessionToken },
    signedHeaders: 'host;x-amz-date',
    signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
  },
];
