package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/flyteorg/flyte/flyteidl/gen/pb-go/flyteidl/admin"
	"github.com/flyteorg/flyte/flyteidl/gen/pb-go/flyteidl/core"
	"google.golang.org/protobuf/proto"
)

// entryKind says how the bytes of one input file are to be decoded.
type entryKind string

const (
	kindTask       entryKind = "task"        // <anything>_1.pb: admin.TaskSpec
	kindWorkflow   entryKind = "workflow"    // <anything>_2.pb: admin.WorkflowSpec
	kindLaunchPlan entryKind = "launch_plan" // <anything>_3.pb: admin.LaunchPlan
	kindDynamic    entryKind = "dynamic_job" // futures.pb or --dynamic: core.DynamicJobSpec
	kindUnknown    entryKind = "unknown"
)

var registrationSuffix = regexp.MustCompile(`_([1-3])\.pb$`)

// rawEntry is one file taken from a directory, an archive or the command line.
type rawEntry struct {
	name string // path as shown in reports: archive!member, or the file path
	data []byte
	kind entryKind
}

func classify(name string) (entryKind, bool) {
	base := filepath.Base(name)
	if m := registrationSuffix.FindStringSubmatch(base); m != nil {
		switch m[1] {
		case "1":
			return kindTask, true
		case "2":
			return kindWorkflow, true
		case "3":
			return kindLaunchPlan, true
		}
	}
	if base == "futures.pb" {
		return kindDynamic, true
	}
	if strings.HasSuffix(base, ".pb") {
		return kindUnknown, true
	}
	// Not a protobuf file (e.g. the fast-registration source bundle): ignored.
	return kindUnknown, false
}

func isArchive(p string) bool {
	return strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz") || strings.HasSuffix(p, ".tar")
}

// collect expands one command-line path into entries, sorted by name like flytectl does.
func collect(p string, notes io.Writer) ([]rawEntry, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	var out []rawEntry
	add := func(name string, data []byte) {
		kind, keep := classify(name)
		if !keep {
			fmt.Fprintf(notes, "flyte-compiler: skipping %s (not a .pb file)\n", name)
			return
		}
		out = append(out, rawEntry{name: name, data: data, kind: kind})
	}
	switch {
	case info.IsDir():
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, walkErr error) error {
			if walkErr != nil {
				return walkErr
			}
			if !d.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			add(path, data)
			return nil
		})
	case isArchive(p):
		err = readArchive(p, add)
	default:
		var data []byte
		data, err = os.ReadFile(p)
		if err == nil {
			add(p, data)
		}
	}
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func readArchive(p string, add func(name string, data []byte)) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if !strings.HasSuffix(p, ".tar") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		defer gz.Close()
		r = gz
	}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, tr); err != nil {
			return fmt.Errorf("%s!%s: %w", p, hdr.Name, err)
		}
		add(p+"!"+strings.TrimPrefix(hdr.Name, "/"), buf.Bytes())
	}
}

// decoded entities of a package.
type taskEntry struct {
	file string
	spec *admin.TaskSpec
}

type workflowEntry struct {
	file string
	spec *admin.WorkflowSpec
}

type launchPlanEntry struct {
	file string
	plan *admin.LaunchPlan
}

type dynamicEntry struct {
	file string
	spec *core.DynamicJobSpec
}

type bundle struct {
	tasks     []*taskEntry
	workflows []*workflowEntry
	plans     []*launchPlanEntry
	dynamics  []*dynamicEntry
}

// decode unmarshals every entry; undecodable entries are reported right away.
func (b *bundle) decode(entries []rawEntry, rep *reporter, opts *options) {
	for _, e := range entries {
		var msg proto.Message
		switch e.kind {
		case kindTask:
			msg = &admin.TaskSpec{}
		case kindWorkflow:
			msg = &admin.WorkflowSpec{}
		case kindLaunchPlan:
			msg = &admin.LaunchPlan{}
		case kindDynamic:
			msg = &core.DynamicJobSpec{}
		default:
			rep.emit(&result{Entity: filepath.Base(e.name), Kind: string(kindUnknown), File: e.name,
				Errors: []string{"cannot tell the entity type from the file name (expected *_1.pb, *_2.pb, *_3.pb or futures.pb)"}})
			continue
		}
		if err := proto.Unmarshal(e.data, msg); err != nil {
			rep.emit(&result{Entity: filepath.Base(e.name), Kind: string(e.kind), File: e.name,
				Errors: []string{fmt.Sprintf("cannot decode as %s: %v", msg.ProtoReflect().Descriptor().FullName(), err)}})
			continue
		}
		if opts.hydrate {
			hydrateIdentifiers(msg, opts.project, opts.domain, opts.version)
		}
		switch m := msg.(type) {
		case *admin.TaskSpec:
			b.tasks = append(b.tasks, &taskEntry{file: e.name, spec: m})
		case *admin.WorkflowSpec:
			b.workflows = append(b.workflows, &workflowEntry{file: e.name, spec: m})
		case *admin.LaunchPlan:
			b.plans = append(b.plans, &launchPlanEntry{file: e.name, plan: m})
		case *core.DynamicJobSpec:
			b.dynamics = append(b.dynamics, &dynamicEntry{file: e.name, spec: m})
		}
	}
}
