/**
 * The local Flyte's S3 server: s3rver on 127.0.0.1 with the bucket created, its objects in a directory of the
 * instance. Configured by LOCAL_FLYTE_S3_PORT, LOCAL_FLYTE_S3_DIR and LOCAL_FLYTE_S3_BUCKET; runs until signalled.
 */
import S3rver from "s3rver";
import { shimDesForS3rver } from "../../test/helpers/s3rver.js";

const port = Number(process.env.LOCAL_FLYTE_S3_PORT);
const directory = process.env.LOCAL_FLYTE_S3_DIR;
const bucket = process.env.LOCAL_FLYTE_S3_BUCKET ?? "flyte";
if (!Number.isInteger(port) || port <= 0 || port > 65535 || !directory) {
  console.error(
    `s3-server: LOCAL_FLYTE_S3_PORT (got ${JSON.stringify(process.env.LOCAL_FLYTE_S3_PORT)}) must be a TCP port and ` +
      `LOCAL_FLYTE_S3_DIR (got ${JSON.stringify(directory)}) a directory`,
  );
  process.exit(2);
}
shimDesForS3rver();
const server = new S3rver({
  address: "127.0.0.1",
  port,
  silent: process.env.LOCAL_FLYTE_S3_VERBOSE !== "1",
  directory,
  configureBuckets: [{ name: bucket }],
});
await server.run();
console.log(`s3-server: listening on http://127.0.0.1:${port}, bucket ${bucket}`);
const stop = () => {
  server.close().finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
