/** Shared by the tests that run a real S3 server (s3rver) on loopback. */
import { createRequire } from "node:module";

/** s3rver's built-in account; it checks the access key id but does not verify V4 signatures. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/**
 * s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17) no longer
 * provides, so every truncated listing fails inside the server with InternalError. While the tests run, DES
 * requests are served by AES-128-CBC with the key and IV zero-padded; the tokens stay opaque base64 strings,
 * which is all the client sees. Only s3rver's own calls with algorithm "des" are affected. Returns the undo.
 */
export function shimDesForS3rver(): () => void {
  const nodeCrypto = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
  const { createCipheriv, createDecipheriv } = nodeCrypto;
  const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc(16 - b.length)]);
  const swap =
    (orig: (...a: any[]) => any) =>
    (alg: string, key: Buffer, iv: Buffer, ...rest: any[]) =>
      alg === "des" ? orig("aes-128-cbc", pad(key), pad(iv)) : orig(alg, key, iv, ...rest);
  (nodeCrypto as any).createCipheriv = swap(createCipheriv);
  (nodeCrypto as any).createDecipheriv = swap(createDecipheriv);
  return () => {
    (nodeCrypto as any).createCipheriv = createCipheriv;
    (nodeCrypto as any).createDecipheriv = createDecipheriv;
  };
}
