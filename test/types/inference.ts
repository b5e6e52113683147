/**
 * Type-level tests: checked by `npx tsc -p test/types/tsconfig.json` (never run). Each `Expect<Equal<...>>` must hold
 * and each `@ts-expect-error` line must be an error, or the check fails.
 */
import {
  type FlyteBlob,
  type Infer,
  type InferIn,
  type Overridable,
  type Ref,
  type StandardJSONSchemaV1,
  type StandardSchemaV1,
  t,
  task,
  workflow,
} from "flytekit-ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

// ---------------------------------------------------------------------------------------------------------------
// Value types of the builders.

export type Builders = [
  Expect<Equal<Infer<typeof t.int>, number>>,
  Expect<Equal<Infer<typeof t.bigint>, bigint>>,
  Expect<Equal<InferIn<typeof t.bigint>, bigint | number>>,
  Expect<Equal<Infer<typeof t.float>, number>>,
  Expect<Equal<Infer<typeof t.str>, string>>,
  Expect<Equal<Infer<typeof t.bool>, boolean>>,
  Expect<Equal<Infer<typeof t.datetime>, Date>>,
  Expect<Equal<InferIn<typeof t.datetime>, Date | string>>,
  Expect<Equal<Infer<typeof t.duration>, number>>,
  Expect<Equal<Infer<typeof t.none>, null>>,
  Expect<Equal<Infer<typeof t.file>, never>>, // t.file is a function, not a type
];

const points = t.list(t.struct({ x: t.datetime }));
const colors = t.enum(["red", "green"]);
const u = t.union(t.int, t.str, t.list(t.bool));
const m = t.map(t.optional(t.float));
const f = t.file();
const anyValue = t.any();

export type Containers = [
  Expect<Equal<Infer<typeof points>, { x: Date }[]>>,
  Expect<Equal<Infer<ReturnType<typeof t.list<ReturnType<typeof t.struct<{ x: typeof t.datetime }>>>>>, { x: Date }[]>>,
  Expect<Equal<InferIn<typeof points>, { x: Date | string }[]>>,
  Expect<Equal<Infer<typeof colors>, "red" | "green">>,
  Expect<Equal<Infer<typeof u>, number | string | boolean[]>>,
  Expect<Equal<Infer<typeof m>, Record<string, number | null>>>,
  Expect<Equal<Infer<typeof f>, FlyteBlob>>,
  Expect<Equal<InferIn<typeof f>, FlyteBlob | string>>,
  Expect<Equal<Infer<typeof anyValue>, unknown>>,
  Expect<Equal<Infer<ReturnType<typeof t.dict>>, Record<string, unknown>>>,
];

// Structs: optional and defaulted fields may be left out by callers; the body sees every field.
const person = t.struct({
  name: t.str,
  age: t.int.default(0),
  nick: t.optional(t.str),
  born: t.datetime,
  tags: t.list(colors),
});
export type Structs = [
  Expect<
    Equal<
      Infer<typeof person>,
      { name: string; age: number; nick: string | null; born: Date; tags: ("red" | "green")[] }
    >
  >,
  Expect<
    Equal<
      InferIn<typeof person>,
      { name: string; age: number; born: Date | string; tags: ("red" | "green")[]; nick?: string | null | undefined }
    >
  >,
];

// Optionals are statically optional: their acceptsNone is `true`.
export type Optionals = [
  Expect<Equal<ReturnType<typeof t.optional<typeof t.int>>["acceptsNone"], true>>,
  Expect<Equal<(typeof t.none)["acceptsNone"], true>>,
  Expect<Equal<ReturnType<typeof t.union<[typeof t.int, typeof t.none]>>["acceptsNone"], true>>,
  Expect<Equal<ReturnType<typeof t.union<[typeof t.int, typeof t.str]>>["acceptsNone"], boolean>>,
  Expect<Equal<Infer<ReturnType<typeof t.optional<typeof t.int>>>, number | null>>,
];

// Standard Schema: t.* builders are Standard Schemas; t.schema() takes one with a JSON Schema.
declare const userSchema: StandardJSONSchemaV1<{ name: string }, { name: string; id: number }>;
const user = t.schema(userSchema);
export type Schemas = [
  Expect<Equal<Infer<typeof user>, { name: string; id: number }>>,
  Expect<Equal<InferIn<typeof user>, { name: string }>>,
  Expect<Equal<StandardSchemaV1.InferOutput<typeof t.duration>, number>>,
  Expect<Equal<StandardSchemaV1.InferInput<typeof t.duration>, import("flytekit-ts").DurationInput>>,
];
const asStandard: StandardSchemaV1<number, number> = t.int;
void asStandard;
declare const plainSchema: StandardSchemaV1<string>;
// @ts-expect-error a Standard Schema without a JSON Schema export is not accepted
t.schema(plainSchema);

// ---------------------------------------------------------------------------------------------------------------
// Tasks.

export const add = task({ inputs: { a: t.int, b: t.str.default("x") }, outputs: t.float }, ({ a, b }) => {
  type Inputs = [Expect<Equal<typeof a, number>>, Expect<Equal<typeof b, string>>];
  const check: Inputs = [true, true];
  void check;
  return a + b.length;
});

const called = add({ a: 1 });
const calledBoth = add({ a: 1, b: "y" });
export type TaskCalls = [
  Expect<Equal<typeof called, Promise<number>>>,
  Expect<Equal<typeof calledBoth, Promise<number>>>,
];

// @ts-expect-error returning a string from a float task
task({ inputs: { a: t.int }, outputs: t.float }, ({ a }) => `${a}`);
// @ts-expect-error an async body must resolve to the output type too
task({ inputs: { a: t.int }, outputs: t.float }, async ({ a }) => `${a}`);
// @ts-expect-error unknown input key
add({ a: 1, c: 2 });
// @ts-expect-error a required input is missing
add({ b: "y" });
// @ts-expect-error wrong input type
add({ a: "1" });
// @ts-expect-error no inputs at all
add();

export const asyncTask = task({ inputs: { n: t.int }, outputs: t.str }, async ({ n }) => String(n));
const asyncCalled = asyncTask({ n: 1 });
export type AsyncCalls = Expect<Equal<typeof asyncCalled, Promise<string>>>;

// Optional inputs may be left out; the body sees null.
export const opt = task({ inputs: { x: t.optional(t.int), y: t.union(t.str, t.none) }, outputs: t.int }, ({ x, y }) => {
  type Inputs = [Expect<Equal<typeof x, number | null>>, Expect<Equal<typeof y, string | null>>];
  const check: Inputs = [true, true];
  void check;
  return x ?? 0;
});
opt({});
opt({ x: 1 });
opt({ x: null, y: "s" });
// @ts-expect-error still typed when given
opt({ x: "1" });
const needed = task({ inputs: { z: t.union(t.int, t.str) } }, () => undefined);
// @ts-expect-error a union without none is required
needed({});

// Duration inputs accept strings; the body gets milliseconds.
export const sleepy = task({ inputs: { d: t.duration }, outputs: t.duration }, ({ d }) => {
  type D = Expect<Equal<typeof d, number>>;
  const check: D = true;
  void check;
  return d * 2;
});
sleepy({ d: "90s" });
sleepy({ d: 1500 });
// @ts-expect-error not a duration string
sleepy({ d: "soon" });

// Named outputs give an object.
export const named = task({ outputs: { mean: t.float, n: t.int } }, () => ({ mean: 1.5, n: 2 }));
const namedCalled = named();
export type Named = Expect<Equal<typeof namedCalled, Promise<{ mean: number; n: number }>>>;
// @ts-expect-error a named output has the wrong type
task({ outputs: { mean: t.float, n: t.int } }, () => ({ mean: 1.5, n: "2" }));
// @ts-expect-error a named output is missing
task({ outputs: { mean: t.float, n: t.int } }, () => ({ mean: 1.5 }));

// Tuple outputs give a tuple.
export const pair = task({ inputs: { n: t.int }, outputs: [t.int, t.str] }, ({ n }) => [n, String(n)]);
const pairCalled = pair({ n: 1 });
export type Pair = Expect<Equal<typeof pairCalled, Promise<[number, string]>>>;
export const noInputPair = task({ outputs: [t.int, t.str] }, () => [1, "one"]);
export const asyncPair = task({ outputs: [t.float, t.float] }, async () => [1, 2]);
const asyncPairCalled = asyncPair();
export type AsyncPair = Expect<Equal<typeof asyncPairCalled, Promise<[number, number]>>>;
// @ts-expect-error tuple elements in the wrong order
task({ outputs: [t.int, t.str] }, () => ["one", 1]);
// @ts-expect-error a tuple with too many elements
task({ outputs: [t.float, t.float] }, () => [1, 2, 3]);
// @ts-expect-error a single output is not a tuple
task({ outputs: t.int }, () => [1]);

// No outputs: the call resolves to void.
export const sideEffect = task({ inputs: { s: t.str } }, () => undefined);
const sideEffectCalled = sideEffect({ s: "x" });
export type SideEffect = Expect<Equal<typeof sideEffectCalled, Promise<void>>>;

// ---------------------------------------------------------------------------------------------------------------
// Workflows.

export const wf = workflow({ inputs: { a: t.int, s: t.str }, outputs: t.float }, ({ a, s }) => {
  type Inputs = [Expect<Equal<typeof a, Ref<number>>>, Expect<Equal<typeof s, Ref<string>>>];
  const check: Inputs = [true, true];
  void check;
  // Inside a body, calls take refs or values and return refs.
  const r = add({ a, b: s });
  type R = Expect<Equal<typeof r, Ref<number> & Overridable>>;
  const checkR: R = true;
  void checkR;
  // withOverrides returns the call result, typed as it was.
  const o = add({ a, b: s }).withOverrides({ retries: 2, requests: { cpu: "1" } });
  type O = Expect<Equal<typeof o, Ref<number> & Overridable>>;
  const checkO: O = true;
  void checkO;
  // @ts-expect-error an unknown override
  add({ a, b: s }).withOverrides({ retry: 2 });
  add({ a: 3 });
  // @ts-expect-error a ref of the wrong type
  add({ a: s });
  return r;
});
const wfCalled = wf({ a: 1, s: "x" });
export type Wf = Expect<Equal<typeof wfCalled, Promise<number>>>;

// @ts-expect-error an async workflow body (bodies are synchronous; calls inside them return refs)
workflow({ inputs: { a: t.int }, outputs: t.float }, async ({ a }) => add({ a }));
// @ts-expect-error awaiting a call inside a workflow body gives a ref, not a number
workflow({ inputs: { a: t.int }, outputs: t.float }, ({ a }) => add({ a }) + 1);

export const structWf = workflow({ inputs: { p: person }, outputs: { name: t.str, born: t.datetime } }, ({ p }) => {
  type Fields = [Expect<Equal<typeof p.name, Ref<string>>>, Expect<Equal<typeof p.born, Ref<Date>>>];
  const check: Fields = [true, true];
  void check;
  // @ts-expect-error a struct field ref of the wrong type
  add({ a: p.name });
  // A ref binds to an input of a wider type: int to optional int.
  opt({ x: p.age });
  return { name: p.name, born: p.born };
});

export type Refs = [
  Expect<Equal<Equal<Ref<number>, Ref<string>>, false>>,
  Expect<Equal<Equal<Ref<Date>, Ref<number[]>>, false>>,
];
const someRef = null as unknown as Ref<number>;
const widened: Ref<number | null> = someRef;
void widened;
// @ts-expect-error a Ref<number | null> is not a Ref<number>
const narrowed: Ref<number> = null as unknown as Ref<number | null>;
void narrowed;
export const tupleWf = workflow({ inputs: { n: t.int }, outputs: [t.int, t.str] }, ({ n }) => pair({ n }));
export const tupleWf2 = workflow({ inputs: { n: t.int }, outputs: [t.int, t.str] }, ({ n }) => {
  const [x, y] = pair({ n });
  return [x, y];
});
const tupleWfCalled = tupleWf({ n: 1 });
export type TupleWf = Expect<Equal<typeof tupleWfCalled, Promise<[number, string]>>>;
// @ts-expect-error the tuple refs in the wrong order
workflow({ inputs: { n: t.int }, outputs: [t.int, t.str] }, ({ n }) => {
  const [x, y] = pair({ n });
  return [y, x];
});
