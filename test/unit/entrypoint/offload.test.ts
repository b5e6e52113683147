// Literal offloading (_F_L_MIN_SIZE_MB / _F_L_MAX_SIZE_MB), the offloaded literal's hash (flytekit goldens), and the
// hand-assembled outputs.pb.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { task } from "../../../src/core/function-task.js";
import { literalHash, pythonFloat } from "../../../src/entrypoint/literal-hash.js";
import { encodeLiteralMap } from "../../../src/entrypoint/literals-io.js";
import { type Literal, LiteralMapSchema, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import {
  binaryLiteral,
  blobLiteral,
  collectionLiteral,
  duration,
  floatLiteral,
  genericLiteral,
  integerLiteral,
  literalMap,
  mapLiteral,
  noneLiteral,
  primitiveLiteral,
  stringLiteral,
  timestamp,
} from "../../../src/idl/literals.js";
import { LiteralTypeSchema } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import { blobType } from "../../../src/idl/types.js";
import { t } from "../../../src/types/index.js";
import { filesUnder, readError, readOutputs, runTask } from "./helpers.js";

// Computed by flytekit's compute_hash_string (flytekit.utils.pbhash) on the same literals.
const FLYTEKIT_HASHES: [string, Literal, string][] = [
  ["int", integerLiteral(42n), "cwIrMFjskRIqsjCnl11lv1QSVEpGmho84PAlVQOjI3s="],
  ["float 1.0", floatLiteral(1.0), "zPa7ufcGPRCiaI0rR+R4fh1bogFQWi02kQx41rYPLAs="],
  ["non-ASCII string", stringLiteral('héllo ✓ 😀 \u007f "q" \n'), "6ftH1AYpdqLhdURrsKmX7l02lMSXNJC3wf+hp0/FNmw="],
  [
    "floats in every notation",
    collectionLiteral(
      [1.5, 1e16, 1e-5, 0.0001, -0.0, 123456789.125, 1e15, 5e-324, 1.7976931348623157e308].map(floatLiteral),
    ),
    "mzeDJBOZbo1ZFIqhNAjUj0aLqGMn9g5dQBvbT9bwu7U=",
  ],
  [
    "generic struct",
    genericLiteral({ a: 1, b: [true, null, "x"], c: { d: 2.5, é: -3 } }),
    "hD66/zJrtxZzbjNuuUiluSJSNl5o8TDPKaHkEUsxgYc=",
  ],
  [
    "msgpack binary",
    binaryLiteral(new Uint8Array([0x81, 0xa1, 0x61, 0x01]), "msgpack"),
    "3T7xY3vIsC6+B3vhoC4h4YpW6TPe+O3O+bhKpwaYjBs=",
  ],
  [
    "duration and datetime",
    collectionLiteral([
      primitiveLiteral({ case: "duration", value: duration(1n, 500000000) }),
      primitiveLiteral({ case: "datetime", value: timestamp(1700000000n, 123000) }),
    ]),
    "L9w3FltIl9HyybTSndzP2Od7nGwyouL5c3zs66PfZUw=",
  ],
  ["blob", blobLiteral("s3://b/k/file.csv", blobType("csv", 0)), "P2qrRrOYpONYo5TYnMEB/hP793cCJ4u/MNf6hvtihCw="],
  ["map", mapLiteral({ z: noneLiteral(), a: integerLiteral(-7n) }), "Ah4uOa8Xjr8lok5H1t+RDLugeIJogRMBD56fbSCG5ks="],
];

describe("offloaded literal hash", () => {
  for (const [what, lit, expected] of FLYTEKIT_HASHES) {
    it(`matches flytekit: ${what}`, () => assert.equal(literalHash(lit), expected));
  }

  it("prints numbers like Python's repr(float)", () => {
    const cases: [number, string][] = [
      [1, "1.0"],
      [-2.5, "-2.5"],
      [-0, "-0.0"],
      [1e15, "1000000000000000.0"],
      [1e16, "1e+16"],
      [1.5e300, "1.5e+300"],
      [0.0001, "0.0001"],
      [0.00001, "1e-05"],
      [1.25e-7, "1.25e-07"],
      [123.456, "123.456"],
      [0.1 + 0.2, "0.30000000000000004"],
    ];
    for (const [x, py] of cases) assert.equal(pythonFloat(x), py, String(x));
  });
});

describe("outputs.pb encoding", () => {
  it("assembles the same bytes as toBinary(LiteralMap)", () => {
    const lits = { o0: integerLiteral(1n), name: stringLiteral("x"), "": collectionLiteral([floatLiteral(2)]) };
    const mine = encodeLiteralMap(Object.entries(lits).map(([k, l]) => [k, toBinary(LiteralSchema, l)]));
    assert.deepEqual(mine, toBinary(LiteralMapSchema, literalMap(lits)));
    assert.deepEqual(encodeLiteralMap([]), new Uint8Array());
  });
});

describe("offloading", () => {
  const big = task({ inputs: { n: t.int }, outputs: { small: t.int, large: t.list(t.int) } }, ({ n }) => ({
    small: 1,
    large: Array.from({ length: n }, (_, i) => i),
  }));

  it("offloads outputs at or over _F_L_MIN_SIZE_MB to <k>_offloaded_metadata.pb, and only those", async () => {
    const { dir, result } = await runTask(big, { n: integerLiteral(1000n) }, { env: { _F_L_MIN_SIZE_MB: "0.001" } });
    assert.equal(result.status, "succeeded");
    const out = join(dir, "out");
    assert.deepEqual(filesUnder(out), ["large_offloaded_metadata.pb", "outputs.pb"]);
    const lm = readOutputs(join(out, "outputs.pb"));
    assert.equal(lm.literals.small!.value.case, "scalar", "small outputs stay inline");
    const ref = lm.literals.large!;
    assert.equal(ref.value.case, "offloadedMetadata");
    const meta = ref.value
      .value as import("../../../src/idl/gen/flyteidl/core/literals_pb.js").LiteralOffloadedMetadata;
    const full = readFileSync(join(out, "large_offloaded_metadata.pb"));
    assert.equal(meta.uri, join(out, "large_offloaded_metadata.pb"));
    assert.equal(meta.sizeBytes, BigInt(full.length));
    assert.deepEqual(
      toBinary(LiteralTypeSchema, meta.inferredType!),
      toBinary(LiteralTypeSchema, t.list(t.int).literalType),
    );
    const literal = fromBinary(LiteralSchema, full);
    assert.equal(literal.value.case, "collection");
    assert.equal(ref.hash, literalHash(literal));
  });

  it("keeps a literal's own hash", async () => {
    const hashed = task({ outputs: t.str }, () => "y".repeat(5000));
    const withHash = Object.create(hashed);
    const dispatch = hashed.dispatchExecute.bind(hashed);
    Object.defineProperty(withHash, "dispatchExecute", {
      value: async (...a: Parameters<typeof dispatch>) => {
        const lm = await dispatch(...a);
        return literalMap({ o0: { ...lm.literals.o0!, hash: "my-hash" } });
      },
    });
    const { dir } = await runTask(withHash, {}, { env: { _F_L_MIN_SIZE_MB: "0.001" } });
    assert.equal(readOutputs(join(dir, "out", "outputs.pb")).literals.o0!.hash, "my-hash");
  });

  it("is off when _F_L_MIN_SIZE_MB is unset", async () => {
    const { dir } = await runTask(big, { n: integerLiteral(1000n) });
    assert.deepEqual(filesUnder(join(dir, "out")), ["outputs.pb"]);
    assert.equal(readOutputs(join(dir, "out", "outputs.pb")).literals.large!.value.case, "collection");
  });

  it("refuses a literal at or over _F_L_MAX_SIZE_MB with a USER, NON_RECOVERABLE error and writes nothing else", async () => {
    const { dir, result } = await runTask(
      big,
      { n: integerLiteral(1000n) },
      { env: { _F_L_MIN_SIZE_MB: "0.0001", _F_L_MAX_SIZE_MB: "0.001" } },
    );
    assert.equal(result.status, "failed");
    assert.deepEqual(filesUnder(join(dir, "out")), ["error.pb"]);
    const e = readError(join(dir, "out", "error.pb")).error!;
    assert.equal(e.code, "USER:OutputTooLargeError");
    assert.match(e.message, /output large is 0\.\d\d MiB \(\d+ bytes\) serialized, at or over the offloading maximum/);
  });

  it("without offloading, allows outputs up to FLYTEKIT_TS_MAX_OUTPUT_MB", async () => {
    const { result } = await runTask(big, { n: integerLiteral(1000n) }, { env: { FLYTEKIT_TS_MAX_OUTPUT_MB: "1" } });
    assert.equal(result.status, "succeeded");
  });
});
