package main

import (
	"fmt"
	"sort"

	"github.com/flyteorg/flyte/flyteidl/gen/pb-go/flyteidl/admin"
	"github.com/flyteorg/flyte/flyteidl/gen/pb-go/flyteidl/core"
	"github.com/flyteorg/flyte/flytepropeller/pkg/compiler"
	"github.com/flyteorg/flyte/flytepropeller/pkg/compiler/common"
	cerrors "github.com/flyteorg/flyte/flytepropeller/pkg/compiler/errors"
	"github.com/flyteorg/flyte/flytepropeller/pkg/compiler/transformers/k8s"
	"github.com/flyteorg/flyte/flytepropeller/pkg/compiler/validators"
	"google.golang.org/protobuf/proto"
)

// describeError turns an error returned by the propeller compiler into report lines and error codes.
func describeError(err error) (messages []string, codes []string) {
	if ce, ok := err.(cerrors.CompileErrors); ok && ce.Errors() != nil {
		for _, e := range ce.Errors().List() {
			messages = append(messages, e.Error())
			codes = append(codes, string(e.Code()))
		}
		if len(messages) > 0 {
			return messages, codes
		}
	}
	return []string{err.Error()}, nil
}

type workflowOutcome struct {
	inProgress bool
	closure    *core.CompiledWorkflowClosure // nil when compilation failed
	missing    []string                      // references not in the input (the workflow was then not compiled)
}

// session compiles one set of inputs (a package, a directory, loose files).
type session struct {
	opts *options
	rep  *reporter
	b    *bundle

	compiledTasks map[string]*core.CompiledTask
	failedTasks   map[string]bool
	workflowByID  map[string]*workflowEntry
	planByID      map[string]*launchPlanEntry
	outcomes      map[*workflowEntry]*workflowOutcome
}

func newSession(opts *options, rep *reporter, b *bundle) *session {
	s := &session{
		opts: opts, rep: rep, b: b,
		compiledTasks: map[string]*core.CompiledTask{},
		failedTasks:   map[string]bool{},
		workflowByID:  map[string]*workflowEntry{},
		planByID:      map[string]*launchPlanEntry{},
		outcomes:      map[*workflowEntry]*workflowOutcome{},
	}
	for _, w := range b.workflows {
		if id := w.spec.GetTemplate().GetId(); id != nil {
			if _, dup := s.workflowByID[idKey(id)]; !dup {
				s.workflowByID[idKey(id)] = w
			}
		}
	}
	for _, p := range b.plans {
		if id := p.plan.GetId(); id != nil {
			if _, dup := s.planByID[idKey(id)]; !dup {
				s.planByID[idKey(id)] = p
			}
		}
	}
	return s
}

func (s *session) run() {
	for _, t := range s.b.tasks {
		s.compileTask(t)
	}
	for _, w := range s.b.workflows {
		s.compileWorkflow(w)
	}
	for _, p := range s.b.plans {
		s.checkLaunchPlan(p)
	}
	for _, d := range s.b.dynamics {
		s.compileDynamic(d)
	}
}

func (s *session) compileTask(t *taskEntry) {
	tmpl := t.spec.GetTemplate()
	res := &result{Kind: string(kindTask), File: t.file, Warnings: unknownFieldWarnings(t.spec)}
	defer s.rep.emit(res)
	if tmpl == nil || tmpl.GetId() == nil {
		res.Entity = t.file
		res.Errors = []string{"TaskSpec.template (with an id) is required"}
		return
	}
	res.Entity = idLabel(tmpl.GetId())
	key := idKey(tmpl.GetId())
	if _, dup := s.compiledTasks[key]; dup || s.failedTasks[key] {
		res.Warnings = append(res.Warnings, "another task with the same id was seen earlier in the input; the first one is used")
	}
	compiled, err := compiler.CompileTask(tmpl)
	if err != nil {
		res.Errors, res.Codes = describeError(err)
		s.failedTasks[key] = true
		return
	}
	if _, dup := s.compiledTasks[key]; !dup {
		s.compiledTasks[key] = compiled
	}
}

// gatherTasks resolves the tasks a workflow needs from the compiled tasks of the input.
func (s *session) gatherTasks(ids []*core.Identifier, res *result) []*core.CompiledTask {
	tasks := make([]*core.CompiledTask, 0, len(ids))
	for _, id := range ids {
		key := idKey(id)
		switch {
		case s.compiledTasks[key] != nil:
			tasks = append(tasks, s.compiledTasks[key])
		case s.failedTasks[key]:
			res.Errors = append(res.Errors, fmt.Sprintf("referenced task %s did not compile", idLabel(id)))
		default:
			res.Missing = append(res.Missing, "task "+idLabel(id))
		}
	}
	return tasks
}

// gatherLaunchPlans builds interface providers for the launch plans a workflow references.
func (s *session) gatherLaunchPlans(ids []*core.Identifier, res *result) []common.InterfaceProvider {
	providers := make([]common.InterfaceProvider, 0, len(ids))
	for _, id := range ids {
		p, problem, missing := s.launchPlanProvider(id)
		switch {
		case p != nil:
			providers = append(providers, p)
		case problem != "":
			res.Errors = append(res.Errors, problem)
		case len(missing) > 0:
			res.Missing = append(res.Missing, missing...)
		default:
			res.Missing = append(res.Missing, "launch plan "+idLabel(id))
		}
	}
	return providers
}

// launchPlanProvider gives the interface of a referenced launch plan. When the launch plan's workflow is part of the
// input, its interface comes from compiling that workflow (the closure that flytekit writes is empty; the backend
// fills it in at registration); otherwise the closure stored in the launch plan is used as is.
func (s *session) launchPlanProvider(id *core.Identifier) (common.InterfaceProvider, string, []string) {
	lp := s.planByID[idKey(id)]
	if lp == nil {
		return nil, "", nil
	}
	if w := s.workflowByID[idKey(lp.plan.GetSpec().GetWorkflowId())]; w != nil {
		var iface *core.TypedInterface
		switch out := s.compileWorkflow(w); {
		case out == nil:
			// The launch plan belongs to a workflow that is being compiled right now (recursion through a launch
			// plan): use the interface the workflow declares.
			iface = w.spec.GetTemplate().GetInterface()
		case out.closure == nil && len(out.missing) > 0:
			return nil, "", out.missing
		case out.closure == nil:
			return nil, fmt.Sprintf("launch plan %s: its workflow %s did not compile", idLabel(id),
				idLabel(lp.plan.GetSpec().GetWorkflowId())), nil
		default:
			iface = out.closure.GetPrimary().GetTemplate().GetInterface()
		}
		filled := proto.Clone(lp.plan).(*admin.LaunchPlan)
		filled.Closure = &admin.LaunchPlanClosure{
			ExpectedInputs:  expectedInputs(iface.GetInputs(), lp.plan.GetSpec()),
			ExpectedOutputs: iface.GetOutputs(),
		}
		return compiler.NewLaunchPlanInterfaceProvider(filled), "", nil
	}
	if lp.plan.GetClosure().GetExpectedInputs() == nil && lp.plan.GetClosure().GetExpectedOutputs() == nil {
		return nil, "", nil
	}
	return compiler.NewLaunchPlanInterfaceProvider(lp.plan), "", nil
}

// expectedInputs is what a launch plan asks for at launch: every workflow input that is not fixed,
// with the launch plan's default when it has one, otherwise as a required parameter.
func expectedInputs(wfInputs *core.VariableMap, spec *admin.LaunchPlanSpec) *core.ParameterMap {
	params := map[string]*core.Parameter{}
	for name, v := range wfInputs.GetVariables() {
		if _, fixed := spec.GetFixedInputs().GetLiterals()[name]; fixed {
			continue
		}
		if p, ok := spec.GetDefaultInputs().GetParameters()[name]; ok {
			params[name] = p
			continue
		}
		params[name] = &core.Parameter{Var: v, Behavior: &core.Parameter_Required{Required: true}}
	}
	return &core.ParameterMap{Parameters: params}
}

// compileWorkflow compiles a workflow once (memoised); referenced launch plans' workflows are compiled first.
func (s *session) compileWorkflow(w *workflowEntry) *workflowOutcome {
	if out, seen := s.outcomes[w]; seen {
		if out.inProgress {
			return nil // reference cycle through launch plans; reported by the caller
		}
		return out
	}
	out := &workflowOutcome{inProgress: true}
	s.outcomes[w] = out
	defer func() { out.inProgress = false }()

	tmpl := w.spec.GetTemplate()
	res := &result{Kind: string(kindWorkflow), File: w.file, Warnings: unknownFieldWarnings(w.spec)}
	defer s.rep.emit(res)
	if tmpl == nil || tmpl.GetId() == nil {
		res.Entity = w.file
		res.Errors = []string{"WorkflowSpec.template (with an id) is required"}
		return out
	}
	res.Entity = idLabel(tmpl.GetId())

	reqs, err := compiler.GetRequirements(tmpl, w.spec.GetSubWorkflows())
	if err != nil {
		res.Errors, res.Codes = describeError(err)
		return out
	}
	tasks := s.gatherTasks(reqs.GetRequiredTaskIds(), res)
	plans := s.gatherLaunchPlans(reqs.GetRequiredLaunchPlanIds(), res)
	if len(res.Missing) > 0 {
		// Not self-contained: the backend would refuse it before compiling, and so do we.
		out.missing = append([]string(nil), res.Missing...)
		return out
	}

	closure, err := compiler.CompileWorkflow(tmpl, w.spec.GetSubWorkflows(), tasks, plans)
	if err != nil {
		msgs, codes := describeError(err)
		res.Errors = append(res.Errors, msgs...)
		res.Codes = append(res.Codes, codes...)
		return out
	}
	if len(res.Errors) > 0 {
		return out
	}
	out.closure = closure
	if s.opts.crd {
		s.buildCRD(w, closure, res)
	}
	return out
}

// launchInputs assembles the inputs an execution of the workflow through one of its launch plans would start with
// (fixed inputs plus defaults). complete is false when some workflow input would still have to be supplied.
func (s *session) launchInputs(w *workflowEntry) (inputs *core.LiteralMap, complete bool) {
	wfID := idKey(w.spec.GetTemplate().GetId())
	vars := w.spec.GetTemplate().GetInterface().GetInputs().GetVariables()
	var candidates []*launchPlanEntry
	for _, p := range s.b.plans {
		if p.plan.GetSpec().GetWorkflowId() != nil && idKey(p.plan.GetSpec().GetWorkflowId()) == wfID {
			candidates = append(candidates, p)
		}
	}
	if len(vars) == 0 {
		return &core.LiteralMap{Literals: map[string]*core.Literal{}}, true
	}
	for _, p := range candidates {
		// Only values that fit the workflow are used: a launch plan's own mistakes are reported on its line, not
		// on the workflow's.
		literals := map[string]*core.Literal{}
		usable := func(name string, l *core.Literal) bool {
			v, ok := vars[name]
			return ok && l != nil && validators.AreTypesCastable(validators.LiteralTypeForLiteral(l), v.GetType())
		}
		for name, l := range p.plan.GetSpec().GetFixedInputs().GetLiterals() {
			if usable(name, l) {
				literals[name] = l
			}
		}
		for name, param := range p.plan.GetSpec().GetDefaultInputs().GetParameters() {
			if d := param.GetDefault(); usable(name, d) {
				if _, fixed := literals[name]; !fixed {
					literals[name] = d
				}
			}
		}
		covered := true
		for name := range vars {
			if _, ok := literals[name]; !ok {
				covered = false
			}
		}
		if covered {
			return &core.LiteralMap{Literals: literals}, true
		}
	}
	return nil, false
}

// buildCRD runs the propeller transform that turns a compiled closure into the FlyteWorkflow custom resource, as the
// backend does when an execution starts. Without a complete set of launch inputs only the closure part is built.
func (s *session) buildCRD(w *workflowEntry, closure *core.CompiledWorkflowClosure, res *result) {
	clone := proto.Clone(closure).(*core.CompiledWorkflowClosure)
	var err error
	if inputs, complete := s.launchInputs(w); complete {
		res.CRD = "flyteworkflow"
		execID := &core.WorkflowExecutionIdentifier{Project: s.opts.project, Domain: s.opts.domain, Name: "conformance"}
		_, err = k8s.BuildFlyteWorkflow(clone, inputs, execID, s.opts.project+"-"+s.opts.domain)
	} else {
		res.CRD = "closure"
		_, err = k8s.BuildWfClosureCrdFields(clone)
	}
	if err != nil {
		msgs, codes := describeError(err)
		for i := range msgs {
			msgs[i] = "k8s transform: " + msgs[i]
		}
		res.Errors = append(res.Errors, msgs...)
		res.Codes = append(res.Codes, codes...)
	}
}

// checkLaunchPlan checks what can be checked about a launch plan without a backend: the closure that flytectl needs,
// that its workflow is in the input and compiled, and that fixed and default inputs exist on the workflow with
// compatible types.
func (s *session) checkLaunchPlan(p *launchPlanEntry) {
	res := &result{Kind: string(kindLaunchPlan), File: p.file, Entity: idLabel(p.plan.GetId()),
		Warnings: unknownFieldWarnings(p.plan)}
	defer s.rep.emit(res)
	if p.plan.GetId() == nil {
		res.Entity = p.file
		res.Errors = append(res.Errors, "LaunchPlan.id is required")
	}
	if p.plan.GetClosure() == nil {
		res.Errors = append(res.Errors, "LaunchPlan.closure is missing (flytectl compile dereferences it; write an empty closure)")
	}
	spec := p.plan.GetSpec()
	if spec.GetWorkflowId() == nil {
		res.Errors = append(res.Errors, "LaunchPlan.spec.workflow_id is required")
		return
	}
	w := s.workflowByID[idKey(spec.GetWorkflowId())]
	if w == nil {
		res.Missing = append(res.Missing, "workflow "+idLabel(spec.GetWorkflowId()))
		return
	}
	out := s.compileWorkflow(w)
	if out != nil && out.closure == nil && len(out.missing) > 0 {
		res.Missing = append(res.Missing, out.missing...)
		return
	}
	if out == nil || out.closure == nil {
		res.Errors = append(res.Errors, fmt.Sprintf("workflow %s did not compile", idLabel(spec.GetWorkflowId())))
		return
	}
	vars := out.closure.GetPrimary().GetTemplate().GetInterface().GetInputs().GetVariables()
	check := func(what, name string, got *core.LiteralType) {
		v, ok := vars[name]
		if !ok {
			res.Errors = append(res.Errors, fmt.Sprintf("%s %q is not an input of workflow %s", what, name,
				idLabel(spec.GetWorkflowId())))
			return
		}
		if got != nil && !validators.AreTypesCastable(got, v.GetType()) {
			res.Errors = append(res.Errors, fmt.Sprintf("%s %q has type %s, the workflow input is %s", what, name,
				common.LiteralTypeToStr(got), common.LiteralTypeToStr(v.GetType())))
		}
	}
	for _, name := range sortedNames(spec.GetFixedInputs().GetLiterals()) {
		check("fixed input", name, validators.LiteralTypeForLiteral(spec.GetFixedInputs().GetLiterals()[name]))
	}
	for _, name := range sortedNames(spec.GetDefaultInputs().GetParameters()) {
		param := spec.GetDefaultInputs().GetParameters()[name]
		check("default input", name, param.GetVar().GetType())
		if d := param.GetDefault(); d != nil {
			check("default value of", name, validators.LiteralTypeForLiteral(d))
		}
	}
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
