import * as assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { amzDate, awsUriEncode, EMPTY_SHA256, signingKey, signV4 } from "../../../src/storage/sigv4.js";

// Example credentials published in AWS documentation (not real).
const SUITE = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const S3_DOC = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const hmac = (k: string | Buffer, s: string) => createHmac("sha256", k).update(s).digest();

describe("SigV4 signer", () => {
  it("matches the AWS test-suite get-vanilla vector", () => {
    const r = signV4({
      method: "GET",
      url: new URL("https://example.amazonaws.com/"),
      headers: {},
      payloadHash: EMPTY_SHA256,
      region: "us-east-1",
      service: "service",
      credentials: SUITE,
      date: new Date("2015-08-30T12:36:00Z"),
    });
    assert.equal(
      r.authorization,
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
        "SignedHeaders=host;x-amz-date, " +
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
    assert.equal(r.headers["x-amz-date"], "20150830T123600Z");
    assert.equal(r.headers.host, undefined, "host is left to fetch");
  });

  it("sorts query parameters (get-vanilla-query-order-key-case)", () => {
    const r = signV4({
      method: "GET",
      url: new URL("https://example.amazonaws.com/?Param2=value2&Param1=value1"),
      headers: {},
      payloadHash: EMPTY_SHA256,
      region: "us-east-1",
      service: "service",
      credentials: SUITE,
      date: new Date("2015-08-30T12:36:00Z"),
    });
    assert.equal(r.signature, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  });

  it("matches the S3 GetObject documentation example, step by step", () => {
    const date = new Date("2013-05-24T00:00:00Z");
    const r = signV4({
      method: "GET",
      url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
      headers: { Range: "bytes=0-9", "x-amz-content-sha256": EMPTY_SHA256 },
      payloadHash: EMPTY_SHA256,
      region: "us-east-1",
      service: "s3",
      credentials: S3_DOC,
      date,
    });

    // Independent computation of each step with node:crypto.
    const canonical = [
      "GET",
      "/test.txt",
      "",
      "host:examplebucket.s3.amazonaws.com",
      "range:bytes=0-9",
      `x-amz-content-sha256:${EMPTY_SHA256}`,
      "x-amz-date:20130524T000000Z",
      "",
      "host;range;x-amz-content-sha256;x-amz-date",
      EMPTY_SHA256,
    ].join("\n");
    assert.equal(r.canonicalRequest, canonical);
    assert.equal(sha256(canonical), "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    const stringToSign = [
      "AWS4-HMAC-SHA256",
      "20130524T000000Z",
      "20130524/us-east-1/s3/aws4_request",
      sha256(canonical),
    ].join("\n");
    assert.equal(r.stringToSign, stringToSign);
    const key = hmac(hmac(hmac(hmac(`AWS4${S3_DOC.secretAccessKey}`, "20130524"), "us-east-1"), "s3"), "aws4_request");
    assert.deepEqual(signingKey(S3_DOC.secretAccessKey, "20130524", "us-east-1", "s3"), key);
    const expected = createHmac("sha256", key).update(stringToSign).digest("hex");
    assert.equal(expected, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    assert.equal(r.signature, expected);
    assert.equal(r.signedHeaders, "host;range;x-amz-content-sha256;x-amz-date");
  });

  it("signs the session token and keeps S3 paths as sent", () => {
    const r = signV4({
      method: "PUT",
      url: new URL("http://127.0.0.1:9000/bucket/a%20b/c%2Bd?partNumber=1&uploadId=x%2Fy"),
      headers: { "Content-Type": "  text/plain   ;  charset=utf-8 " },
      payloadHash: "UNSIGNED-PAYLOAD",
      region: "eu-west-1",
      service: "s3",
      credentials: { ...SUITE, sessionToken: "TOKEN" },
      date: new Date("2024-01-02T03:04:05Z"),
    });
    const lines = r.canonicalRequest.split("\n");
    assert.equal(lines[1], "/bucket/a%20b/c%2Bd");
    assert.equal(lines[2], "partNumber=1&uploadId=x%2Fy");
    assert.ok(lines.includes("content-type:text/plain ; charset=utf-8"));
    assert.ok(lines.includes("host:127.0.0.1:9000"));
    assert.ok(lines.includes("x-amz-security-token:TOKEN"));
    assert.equal(r.headers["x-amz-security-token"], "TOKEN");
    assert.match(r.authorization, /Credential=AKIDEXAMPLE\/20240102\/eu-west-1\/s3\/aws4_request/);
  });

  it("encodes like RFC 3986 and formats dates", () => {
    assert.equal(awsUriEncode("a b/c~d!*'()"), "a%20b%2Fc~d%21%2A%27%28%29");
    assert.equal(awsUriEncode("a b/ü", true), "a%20b/%C3%BC");
    assert.equal(amzDate(new Date("2015-08-30T12:36:00.123Z")), "20150830T123600Z");
  });
});
