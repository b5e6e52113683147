/**
 * Files and directories (flytekit's FlyteFile and FlyteDirectory): blob literals whose data lives in storage.
 */
import { basename } from "node:path";
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import { BlobType_BlobDimensionality, type LiteralType } from "../idl/gen/flyteidl/core/types_pb.js";
import { blobLiteral, scalarOf } from "../idl/literals.js";
import { blobType, literalType } from "../idl/types.js";
import { type DataContext, FlyteType, literalMismatch, mismatch, type Path } from "./type.js";

/** Whether a path is a remote URI (`s3://…`, `gs://…`) rather than a local path. */
export function isRemoteUri(p: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(p) && !p.startsWith("file://");
}

/**
 * The last segment of a path or URI as a file name that stays inside the directory it is joined to: separators, `.`,
 * `..` and an empty name become `fallback`.
 *
 * @example
 * safeFileName("s3://b/k/data.csv"); // "data.csv"
 * safeFileName("s3://b/k/..");       // "file"
 */
export function safeFileName(pathOrUri: string, fallback = "file"): string {
  const name =
    pathOrUri
      .replace(/[/\\]+$/, "")
      .split(/[/\\]/)
      .pop() ?? "";
  return name === "" || name === "." || name === ".." || name.includes("\0") ? fallback : name;
}

/**
 * A file or directory value. `path` is a local path or a remote URI; `download()` brings a remote one to local disk
 * the first time it is needed.
 */
export class FlyteBlob {
  /** The local path or remote URI. */
  readonly path: string;
  /** Whether this is a directory (a multipart blob). */
  readonly isDirectory: boolean;
  #download: ((uri: string, isDir: boolean) => Promise<string>) | undefined;
  #local: Promise<string> | undefined;

  constructor(path: string, isDirectory: boolean, download?: (uri: string, isDir: boolean) => Promise<string>) {
    this.path = path.startsWith("file://") ? path.slice("file://".length) : path;
    this.isDirectory = isDirectory;
    this.#download = download;
  }

  /** Whether the data is in remote storage. */
  get isRemote(): boolean {
    return isRemoteUri(this.path);
  }

  /**
   * A local path to the data, downloading it first when it is remote (once).
   *
   * @example
   * const local = await file.download();
   */
  download(): Promise<string> {
    if (!this.isRemote) return Promise.resolve(this.path);
    if (!this.#download) return Promise.reject(new Error(`cannot download ${this.path}: no storage is configured`));
    this.#local ??= this.#download(this.path, this.isDirectory);
    return this.#local;
  }

  toString(): string {
    return this.path;
  }

  toJSON(): string {
    return this.path;
  }
}

/** A file (SINGLE blob) or directory (MULTIPART blob), with an optional format such as `"csv"`. */
export class BlobValueType extends FlyteType<FlyteBlob, FlyteBlob | string> {
  readonly name: string;
  readonly tag: string;
  /** The blob format, `""` for any. */
  readonly format: string;
  /** Whether this is a directory type. */
  readonly isDirectory: boolean;

  constructor(isDirectory: boolean, format = "") {
    super();
    this.isDirectory = isDirectory;
    this.format = format;
    this.tag = isDirectory ? "FlyteDirectory" : "FlyteFilePath";
    this.name = `${isDirectory ? "dir" : "file"}${format ? `[${format}]` : ""}`;
  }

  protected buildLiteralType(): LiteralType {
    const dim = this.isDirectory ? BlobType_BlobDimensionality.MULTIPART : BlobType_BlobDimensionality.SINGLE;
    return literalType({ case: "blob", value: blobType(this.format, dim) });
  }

  override mayAccept(value: unknown): boolean {
    return typeof value === "string" || value instanceof FlyteBlob;
  }
  parse(value: unknown, path: Path = []): FlyteBlob {
    if (value instanceof FlyteBlob) {
      if (value.isDirectory !== this.isDirectory)
        mismatch(this, value, path, value.isDirectory ? "a directory" : "a file");
      return value;
    }
    if (typeof value === "string" && value !== "") return new FlyteBlob(value, this.isDirectory);
    return mismatch(this, value, path, "expected a path or URI");
  }

  private uriFor(value: unknown, ctx: DataContext, path: Path): string {
    const b = this.parse(value, path);
    if (b.isRemote || !ctx.uploadsLocalPaths) return b.path;
    return ctx.putBlob({ localPath: b.path }, basename(b.path));
  }

  toLiteral(value: unknown, ctx: DataContext, path: Path = []): Literal {
    const bt = this.literalType.type.value as ReturnType<typeof blobType>;
    return blobLiteral(this.uriFor(value, ctx, path), bt);
  }

  protected readLiteral(lit: Literal, ctx: DataContext, path: Path): FlyteBlob {
    const s = scalarOf(lit);
    if (s?.value.case !== "blob") return literalMismatch(this, lit, path);
    const dim = s.value.value.metadata?.type?.dimensionality;
    const wantDim = this.isDirectory ? BlobType_BlobDimensionality.MULTIPART : BlobType_BlobDimensionality.SINGLE;
    if (dim !== undefined && dim !== wantDim) {
      return literalMismatch(
        this,
        lit,
        path,
        `it is a ${dim === BlobType_BlobDimensionality.MULTIPART ? "directory" : "file"}`,
      );
    }
    return new FlyteBlob(s.value.value.uri, this.isDirectory, ctx.download);
  }

  toMsgpack(value: unknown, ctx: DataContext, path: Path): unknown {
    return { path: this.uriFor(value, ctx, path) };
  }

  fromMsgpack(value: unknown, ctx: DataContext, path: Path): FlyteBlob {
    if (typeof value === "string") return new FlyteBlob(value, this.isDirectory, ctx.download);
    const p = value instanceof Map ? value.get("path") : (value as { path?: unknown } | null)?.path;
    if (typeof p !== "string") return mismatch(this, value, path, 'expected {"path": <uri>}');
    return new FlyteBlob(p, this.isDirectory, ctx.download);
  }

  jsonSchema(): Record<string, unknown> {
    // mashumaro's schema of the FlyteFile / FlyteDirectory dataclasses (whatever the format): `path` is a
    // `Union[str, os.PathLike]` defaulting to None, and a file also has its optional string-to-string `metadata`.
    const path = { anyOf: [{ type: "string" }, { type: "string", format: "path" }], default: null };
    if (this.isDirectory) {
      return { type: "object", title: "FlyteDirectory", properties: { path }, additionalProperties: false };
    }
    const metadata = {
      anyOf: [
        { type: "object", propertyNames: { type: "string" }, additionalProperties: { type: "string" } },
        { type: "null" },
      ],
      default: null,
    };
    return { type: "object", title: "FlyteFile", properties: { path, metadata }, additionalProperties: false };
  }
}
