import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { FlyteBlob, t } from "flytekit-ts";
import { safeFileName } from "../../../src/types/blob.js";
import { localDataAt } from "../../../src/core/local-data.js";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { BlobType_BlobDimensionality, LiteralTypeSchema } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import { binaryLiteral, blobLiteral, stringLiteral } from "../../../src/idl/literals.js";
import { blobType } from "../../../src/idl/types.js";
import { isRemoteUri } from "../../../src/types/blob.js";
import { encodeMsgpack } from "../../../src/types/msgpack.js";
import { type DataContext, NO_DATA } from "../../../src/types/type.js";
import { throwsType } from "./assertions.js";

const root = mkdtempSync(join(tmpdir(), "blob-test-"));
const local = localDataAt(root);
const wire = (lit: Literal): Literal => fromBinary(LiteralSchema, toBinary(LiteralSchema, lit));

/** A data context that uploads local paths (as the container entrypoint does), recording each upload. */
function uploading(): DataContext & { uploads: { localPath: string; name: string }[] } {
  const uploads: { localPath: string; name: string }[] = [];
  return {
    uploads,
    uploadsLocalPaths: true,
    putBlob(data, name) {
      assert.ok("localPath" in data);
      uploads.push({ localPath: data.localPath, name });
      return `s3://bucket/raw/${uploads.length}/${name}`;
    },
    getBlob() {
      throw new Error("not used");
    },
  };
}

describe("file and directory literal types", () => {
  it("t.file() is a SINGLE blob with an empty format, tagged FlyteFilePath", () => {
    const lt = t.file().literalType;
    assert.ok(lt.type.case === "blob");
    assert.equal(lt.type.value.format, "");
    assert.equal(lt.type.value.dimensionality, BlobType_BlobDimensionality.SINGLE);
    assert.equal(t.file().tag, "FlyteFilePath");
    assert.equal(t.file().name, "file");
  });

  it("t.file({ format }) carries the format", () => {
    assert.deepEqual(toJson(LiteralTypeSchema, t.file({ format: "csv" }).literalType), { blob: { format: "csv" } });
    assert.equal(t.file({ format: "csv" }).name, "file[csv]");
  });

  it("t.dir() is a MULTIPART blob tagged FlyteDirectory", () => {
    assert.deepEqual(toJson(LiteralTypeSchema, t.dir().literalType), { blob: { dimensionality: "MULTIPART" } });
    assert.deepEqual(toJson(LiteralTypeSchema, t.dir({ format: "parquet" }).literalType), {
      blob: { format: "parquet", dimensionality: "MULTIPART" },
    });
    assert.equal(t.dir().tag, "FlyteDirectory");
    assert.equal(t.dir({ format: "parquet" }).name, "dir[parquet]");
  });
});

describe("writing files and directories", () => {
  it("keeps local paths locally and writes the blob's type into its metadata", () => {
    const lit = t.file({ format: "csv" }).toLiteral("/data/in.csv", local);
    assert.deepEqual(toJson(LiteralSchema, lit), {
      scalar: { blob: { metadata: { type: { format: "csv" } }, uri: "/data/in.csv" } },
    });
    const dir = t.dir().toLiteral("/data/out", NO_DATA);
    assert.deepEqual(toJson(LiteralSchema, dir), {
      scalar: { blob: { metadata: { type: { dimensionality: "MULTIPART" } }, uri: "/data/out" } },
    });
  });

  it("keeps remote URIs as they are, also where local paths are uploaded", () => {
    const ctx = uploading();
    const lit = t.file().toLiteral("s3://bucket/key.txt", ctx);
    assert.deepEqual(toJson(LiteralSchema, lit), {
      scalar: { blob: { metadata: { type: {} }, uri: "s3://bucket/key.txt" } },
    });
    assert.deepEqual(ctx.uploads, []);
  });

  it("uploads local paths where the context says so, keeping the file name", () => {
    const ctx = uploading();
    const path = join(root, "report.html");
    writeFileSync(path, "<html/>");
    const lit = t.file().toLiteral(path, ctx);
    assert.deepEqual(ctx.uploads, [{ localPath: path, name: "report.html" }]);
    const back = t.file().fromLiteral(wire(lit), NO_DATA);
    assert.equal(back.path, "s3://bucket/raw/1/report.html");
    assert.equal(back.isRemote, true);
  });

  it("accepts FlyteBlob values and strips file://", () => {
    const f = new FlyteBlob("file:///tmp/x.txt", false);
    assert.equal(f.path, "/tmp/x.txt");
    assert.equal(f.isRemote, false);
    const lit = t.file().toLiteral(f, NO_DATA);
    assert.equal(t.file().fromLiteral(lit, NO_DATA).path, "/tmp/x.txt");
  });

  it("rejects a directory where a file is expected and the reverse", () => {
    throwsType(
      () => t.file().toLiteral(new FlyteBlob("s3://b/d", true), NO_DATA, ["f"]),
      "f: expected file",
      "a directory",
    );
    throwsType(() => t.dir().toLiteral(new FlyteBlob("s3://b/f", false), NO_DATA), "expected dir", "a file");
  });

  it("rejects empty strings and non-paths", () => {
    throwsType(() => t.file().toLiteral("", NO_DATA), 'expected file, got "" (string)', "path or URI");
    throwsType(() => t.file().toLiteral(42, NO_DATA), "got 42 (number)");
    throwsType(() => t.dir().toLiteral(null, NO_DATA, ["d"]), "d: expected dir, got null");
    throwsType(() => t.file().toLiteral({ path: "/x" }, NO_DATA), "expected file");
  });
});

describe("reading files and directories", () => {
  it("reads a blob into a FlyteBlob", () => {
    const lit = wire(blobLiteral("s3://bucket/a.csv", blobType("csv", BlobType_BlobDimensionality.SINGLE)));
    const f = t.file({ format: "csv" }).fromLiteral(lit, NO_DATA);
    assert.ok(f instanceof FlyteBlob);
    assert.equal(f.path, "s3://bucket/a.csv");
    assert.equal(f.isDirectory, false);
    assert.equal(f.isRemote, true);
    assert.equal(String(f), "s3://bucket/a.csv");
    assert.equal(JSON.stringify({ f }), '{"f":"s3://bucket/a.csv"}');
  });

  it("refuses a directory blob as a file and a file blob as a directory", () => {
    const dir = blobLiteral("s3://b/d", blobType("", BlobType_BlobDimensionality.MULTIPART));
    const file = blobLiteral("s3://b/f", blobType("", BlobType_BlobDimensionality.SINGLE));
    throwsType(
      () => t.file().fromLiteral(dir, NO_DATA, ["f"]),
      "f: cannot read a literal of shape scalar.blob (s3://b/d) as file",
      "it is a directory",
    );
    throwsType(() => t.dir().fromLiteral(file, NO_DATA), "as dir", "it is a file");
    assert.equal(t.dir().fromLiteral(dir, NO_DATA).isDirectory, true);
  });

  it("refuses literals that are not blobs", () => {
    throwsType(() => t.file().fromLiteral(stringLiteral("/x"), NO_DATA), "scalar.primitive.stringValue as file");
  });

  it("downloads remote data once, through the context", async () => {
    const calls: [string, boolean][] = [];
    const ctx: DataContext = {
      ...NO_DATA,
      uploadsLocalPaths: false,
      download: async (uri, isDir) => {
        calls.push([uri, isDir]);
        return "/tmp/downloaded";
      },
    };
    const d = t.dir().fromLiteral(blobLiteral("gs://b/d", blobType("", BlobType_BlobDimensionality.MULTIPART)), ctx);
    const [a, b] = await Promise.all([d.download(), d.download()]);
    assert.equal(a, "/tmp/downloaded");
    assert.equal(b, "/tmp/downloaded");
    assert.deepEqual(calls, [["gs://b/d", true]]);
  });

  it("returns local paths as they are and refuses to download without storage", async () => {
    assert.equal(await new FlyteBlob("/local/file", false).download(), "/local/file");
    await assert.rejects(new FlyteBlob("s3://b/k", false).download(), /no storage is configured/);
  });
});

describe("files inside structs", () => {
  const s = t.struct({ f: t.file(), d: t.dir() });

  it("are written as {path: uri}", () => {
    const lit = s.toLiteral({ f: "s3://b/f", d: "s3://b/d" }, NO_DATA);
    const bytes =
      lit.value.case === "scalar" && lit.value.value.value.case === "binary"
        ? lit.value.value.value.value.value
        : undefined;
    assert.deepEqual(
      Buffer.from(bytes!),
      Buffer.from(encodeMsgpack({ f: { path: "s3://b/f" }, d: { path: "s3://b/d" } })),
    );
  });

  it("upload local paths where the context says so", () => {
    const ctx = uploading();
    const path = join(root, "in.txt");
    writeFileSync(path, "x");
    const back = s.fromLiteral(s.toLiteral({ f: path, d: "s3://b/d" }, ctx), NO_DATA);
    assert.equal(back.f.path, "s3://bucket/raw/1/in.txt");
    assert.equal(ctx.uploads.length, 1);
  });

  it("read {path} maps and plain strings (flytekit upgrades a str to a FlyteFile)", () => {
    const back = s.fromLiteral(
      binaryLiteral(encodeMsgpack({ f: "s3://b/f", d: { path: "s3://b/d", extra: 1 } }), "msgpack"),
      NO_DATA,
    );
    assert.equal(back.f.path, "s3://b/f");
    assert.equal(back.d.path, "s3://b/d");
    assert.equal(back.d.isDirectory, true);
    throwsType(
      () => s.fromLiteral(binaryLiteral(encodeMsgpack({ f: 1, d: "x" }), "msgpack"), NO_DATA),
      "f: expected file",
      '{"path": <uri>}',
    );
  });
});

describe("isRemoteUri", () => {
  it("tells remote URIs from local paths", () => {
    for (const u of ["s3://b/k", "gs://b/k", "abfs://c@a.dfs.core.windows.net/p", "http://h/x"])
      assert.equal(isRemoteUri(u), true, u);
    for (const p of ["/tmp/x", "relative/x", "file:///tmp/x", "C:\\x", "s3:/missing-slash"])
      assert.equal(isRemoteUri(p), false, p);
  });
});

describe("safeFileName", () => {
  it("keeps a plain last segment and replaces names that would leave their directory", () => {
    assert.equal(safeFileName("s3://b/k/data.csv"), "data.csv");
    assert.equal(safeFileName("/tmp/x/out dir/"), "out dir");
    for (const bad of ["s3://b/k/..", "s3://b/k/.", "", "..", "/", "a\\..", "x/a\0b"])
      assert.equal(safeFileName(bad), "file", JSON.stringify(bad));
    const root = mkdtempSync(join(tmpdir(), "safe-name-"));
    const path = localDataAt(root).putBlob({ bytes: new Uint8Array([1]) }, "..");
    assert.equal(dirname(dirname(path)), root, "written inside its own directory under the prefix");
  });
});
