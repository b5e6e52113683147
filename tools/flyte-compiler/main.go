// Command flyte-compiler is flytekit-ts's conformance oracle: it runs Flyte's own workflow compiler
// (flytepropeller's pkg/compiler, the code flytectl compile, flyteadmin and propeller use) over
// registration files and prints one JSON line per entity.
//
// Usage:
//
//	flyte-compiler [flags] PATH...
//
// PATH is a package (.tgz, .tar.gz, .tar), a directory (searched recursively) or a single file.
// Files are typed by name: *_1.pb admin.TaskSpec, *_2.pb admin.WorkflowSpec, *_3.pb admin.LaunchPlan,
// futures.pb core.DynamicJobSpec. Exit status: 0 all entities OK, 1 some entity failed, 2 usage or I/O error.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

type options struct {
	crd              bool
	strict           bool
	hydrate          bool
	project          string
	domain           string
	version          string
	dynamic          []string
	dynamicInterface string
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// result is one line of output.
type result struct {
	Entity   string   `json:"entity"`
	Kind     string   `json:"kind"`
	File     string   `json:"file,omitempty"`
	OK       bool     `json:"ok"`
	Errors   []string `json:"errors"`
	Codes    []string `json:"codes,omitempty"`
	Missing  []string `json:"missing,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	CRD      string   `json:"crd,omitempty"`
}

type reporter struct {
	out    *json.Encoder
	strict bool
	counts map[bool]int
}

func (r *reporter) emit(res *result) {
	for _, m := range res.Missing {
		res.Errors = append(res.Errors, "not found in the input: "+m)
	}
	if r.strict {
		for _, w := range res.Warnings {
			res.Errors = append(res.Errors, "strict: "+w)
		}
	}
	if res.Errors == nil {
		res.Errors = []string{}
	}
	res.OK = len(res.Errors) == 0
	r.counts[res.OK]++
	_ = r.out.Encode(res)
}

func parseArgs(args []string, stderr io.Writer) (*options, []string, error) {
	opts := &options{}
	fs := flag.NewFlagSet("flyte-compiler", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: flyte-compiler [flags] PACKAGE.tgz|DIR|FILE.pb ...")
		fmt.Fprintln(stderr, "Compiles Flyte registration files with flytepropeller's compiler; one JSON line per entity.")
		fs.PrintDefaults()
	}
	noCRD := fs.Bool("no-crd", false, "skip the k8s transform (FlyteWorkflow resource) after compiling workflows")
	fs.BoolVar(&opts.strict, "strict", false, "treat warnings (e.g. unknown protobuf fields) as failures")
	fs.BoolVar(&opts.hydrate, "hydrate", false, "fill empty or {{ registration.* }} project/domain/version in identifiers, as registration does")
	fs.StringVar(&opts.project, "project", "flytekit-ts", "project for --hydrate and for the execution id of the k8s transform")
	fs.StringVar(&opts.domain, "domain", "development", "domain for --hydrate and for the execution id of the k8s transform")
	fs.StringVar(&opts.version, "version", "conformance", "version for --hydrate")
	fs.Var((*stringList)(&opts.dynamic), "dynamic", "a core.DynamicJobSpec file, whatever its name (repeatable)")
	fs.StringVar(&opts.dynamicInterface, "dynamic-interface", "", "TaskSpec or TaskTemplate file of the dynamic task (its outputs type the dynamic workflow); inferred from the bindings when absent")

	// Flags and paths may be interleaved.
	var paths []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return nil, nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	opts.crd = !*noCRD
	if len(paths) == 0 && len(opts.dynamic) == 0 {
		fs.Usage()
		return nil, nil, fmt.Errorf("no input")
	}
	return opts, paths, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	opts, paths, err := parseArgs(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintln(stderr, "flyte-compiler:", err)
		return 2
	}

	var entries []rawEntry
	for _, p := range paths {
		got, err := collect(p, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "flyte-compiler:", err)
			return 2
		}
		entries = append(entries, got...)
	}
	for _, p := range opts.dynamic {
		data, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(stderr, "flyte-compiler:", err)
			return 2
		}
		entries = append(entries, rawEntry{name: p, data: data, kind: kindDynamic})
	}

	rep := &reporter{out: json.NewEncoder(stdout), strict: opts.strict, counts: map[bool]int{}}
	rep.out.SetEscapeHTML(false)
	b := &bundle{}
	b.decode(entries, rep, opts)
	newSession(opts, rep, b).run()

	fmt.Fprintf(stderr, "flyte-compiler: %d ok, %d failed (%d tasks, %d workflows, %d launch plans, %d dynamic jobs)\n",
		rep.counts[true], rep.counts[false], len(b.tasks), len(b.workflows), len(b.plans), len(b.dynamics))
	if rep.counts[false] > 0 {
		return 1
	}
	if rep.counts[true] == 0 {
		fmt.Fprintln(stderr, "flyte-compiler: no entity found in the input")
		return 1
	}
	return 0
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
