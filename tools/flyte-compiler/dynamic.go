package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/flyteorg/flyte/flyteidl/gen/pb-go/flyteidl/admin"
	"github.com/flyteorg/flyte/flyteidl/gen/pb-go/flyteidl/core"
	"github.com/flyteorg/flyte/flytepropeller/pkg/compiler"
	"github.com/flyteorg/flyte/flytepropeller/pkg/compiler/transformers/k8s"
	"github.com/flyteorg/flyte/flytepropeller/pkg/compiler/validators"
	"google.golang.org/protobuf/proto"
)

// loadInterface reads the interface of the task that produced a DynamicJobSpec, from a file holding either an
// admin.TaskSpec (*_1.pb as registered) or a bare core.TaskTemplate.
func loadInterface(path string) (*core.TypedInterface, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	spec := &admin.TaskSpec{}
	if err := proto.Unmarshal(data, spec); err == nil && spec.GetTemplate().GetInterface() != nil {
		return spec.GetTemplate().GetInterface(), nil
	}
	tmpl := &core.TaskTemplate{}
	if err := proto.Unmarshal(data, tmpl); err != nil {
		return nil, fmt.Errorf("%s: neither an admin.TaskSpec nor a core.TaskTemplate: %w", path, err)
	}
	if tmpl.GetInterface() == nil {
		return nil, fmt.Errorf("%s: the task has no interface", path)
	}
	return tmpl.GetInterface(), nil
}

// outputTypeInference works out the type of each dynamic output from what its binding points at.
type outputTypeInference struct {
	nodes map[string]*core.Node
	tasks map[string]*core.TaskTemplate
	subs  map[string]*core.WorkflowTemplate
}

func (inf *outputTypeInference) nodeOutputs(n *core.Node) (*core.VariableMap, error) {
	switch {
	case n.GetTaskNode() != nil:
		t := inf.tasks[idKey(n.GetTaskNode().GetReferenceId())]
		if t == nil {
			return nil, fmt.Errorf("node %s: task %s is not in the dynamic job", n.GetId(), idLabel(n.GetTaskNode().GetReferenceId()))
		}
		return t.GetInterface().GetOutputs(), nil
	case n.GetWorkflowNode().GetSubWorkflowRef() != nil:
		w := inf.subs[idKey(n.GetWorkflowNode().GetSubWorkflowRef())]
		if w == nil {
			return nil, fmt.Errorf("node %s: sub-workflow %s is not in the dynamic job", n.GetId(), idLabel(n.GetWorkflowNode().GetSubWorkflowRef()))
		}
		return w.GetInterface().GetOutputs(), nil
	case n.GetArrayNode().GetNode() != nil:
		inner, err := inf.nodeOutputs(n.GetArrayNode().GetNode())
		if err != nil {
			return nil, err
		}
		lists := map[string]*core.Variable{}
		for name, v := range inner.GetVariables() {
			lists[name] = &core.Variable{Type: &core.LiteralType{Type: &core.LiteralType_CollectionType{CollectionType: v.GetType()}}}
		}
		return &core.VariableMap{Variables: lists}, nil
	}
	return nil, fmt.Errorf("node %s: cannot infer the outputs of this kind of node; pass --dynamic-interface", n.GetId())
}

func (inf *outputTypeInference) bindingType(b *core.BindingData) (*core.LiteralType, error) {
	switch v := b.GetValue().(type) {
	case *core.BindingData_Promise:
		if len(v.Promise.GetAttrPath()) > 0 {
			return nil, fmt.Errorf("promise with an attribute path; pass --dynamic-interface")
		}
		n := inf.nodes[v.Promise.GetNodeId()]
		if n == nil {
			return nil, fmt.Errorf("promise refers to unknown node %q", v.Promise.GetNodeId())
		}
		outs, err := inf.nodeOutputs(n)
		if err != nil {
			return nil, err
		}
		out := outs.GetVariables()[v.Promise.GetVar()]
		if out == nil {
			return nil, fmt.Errorf("node %s has no output %q", n.GetId(), v.Promise.GetVar())
		}
		return out.GetType(), nil
	case *core.BindingData_Scalar:
		if t := validators.LiteralTypeForLiteral(&core.Literal{Value: &core.Literal_Scalar{Scalar: v.Scalar}}); t != nil {
			return t, nil
		}
	case *core.BindingData_Collection:
		if items := v.Collection.GetBindings(); len(items) > 0 {
			inner, err := inf.bindingType(items[0])
			if err != nil {
				return nil, err
			}
			return &core.LiteralType{Type: &core.LiteralType_CollectionType{CollectionType: inner}}, nil
		}
	case *core.BindingData_Map:
		for _, item := range v.Map.GetBindings() {
			inner, err := inf.bindingType(item)
			if err != nil {
				return nil, err
			}
			return &core.LiteralType{Type: &core.LiteralType_MapValueType{MapValueType: inner}}, nil
		}
	}
	return nil, fmt.Errorf("cannot infer a type from this binding; pass --dynamic-interface")
}

func inferDynamicInterface(spec *core.DynamicJobSpec) (*core.TypedInterface, error) {
	inf := &outputTypeInference{
		nodes: map[string]*core.Node{},
		tasks: map[string]*core.TaskTemplate{},
		subs:  map[string]*core.WorkflowTemplate{},
	}
	for _, n := range spec.GetNodes() {
		inf.nodes[n.GetId()] = n
	}
	for _, t := range spec.GetTasks() {
		inf.tasks[idKey(t.GetId())] = t
	}
	for _, w := range spec.GetSubworkflows() {
		inf.subs[idKey(w.GetId())] = w
	}
	outputs := map[string]*core.Variable{}
	for _, b := range spec.GetOutputs() {
		t, err := inf.bindingType(b.GetBinding())
		if err != nil {
			return nil, fmt.Errorf("output %q: %w", b.GetVar(), err)
		}
		outputs[b.GetVar()] = &core.Variable{Type: t}
	}
	return &core.TypedInterface{
		Inputs:  &core.VariableMap{Variables: map[string]*core.Variable{}},
		Outputs: &core.VariableMap{Variables: outputs},
	}, nil
}

// compileDynamic does what propeller does with the futures.pb of a dynamic task: compile its tasks, wrap its nodes
// and output bindings in a workflow whose interface has the parent task's outputs (and no inputs), compile that with
// the job's sub-workflows, and build the FlyteWorkflow resource from it.
func (s *session) compileDynamic(d *dynamicEntry) {
	res := &result{Kind: string(kindDynamic), File: d.file, Entity: filepath.Base(d.file),
		Warnings: unknownFieldWarnings(d.spec)}
	defer s.rep.emit(res)

	tasks := make([]*core.CompiledTask, 0, len(d.spec.GetTasks()))
	seen := map[string]bool{}
	for _, t := range d.spec.GetTasks() {
		if seen[idKey(t.GetId())] {
			continue
		}
		seen[idKey(t.GetId())] = true
		compiled, err := compiler.CompileTask(t)
		if err != nil {
			msgs, codes := describeError(err)
			for _, m := range msgs {
				res.Errors = append(res.Errors, fmt.Sprintf("task %s: %s", idLabel(t.GetId()), m))
			}
			res.Codes = append(res.Codes, codes...)
			continue
		}
		tasks = append(tasks, compiled)
	}

	var iface *core.TypedInterface
	if s.opts.dynamicInterface != "" {
		parent, err := loadInterface(s.opts.dynamicInterface)
		if err != nil {
			res.Errors = append(res.Errors, err.Error())
			return
		}
		iface = &core.TypedInterface{Outputs: parent.GetOutputs()}
	} else {
		inferred, err := inferDynamicInterface(d.spec)
		if err != nil {
			res.Errors = append(res.Errors, "interface inference: "+err.Error())
			return
		}
		iface = inferred
	}

	wf := &core.WorkflowTemplate{
		Id: &core.Identifier{ResourceType: core.ResourceType_WORKFLOW, Project: s.opts.project,
			Domain: s.opts.domain, Name: "dynamic-workflow", Version: s.opts.version},
		Nodes:     d.spec.GetNodes(),
		Outputs:   d.spec.GetOutputs(),
		Interface: iface,
	}
	reqs, err := compiler.GetRequirements(wf, d.spec.GetSubworkflows())
	if err != nil {
		msgs, codes := describeError(err)
		res.Errors = append(res.Errors, msgs...)
		res.Codes = append(res.Codes, codes...)
		return
	}
	plans := s.gatherLaunchPlans(reqs.GetRequiredLaunchPlanIds(), res)
	if len(res.Errors) > 0 || len(res.Missing) > 0 {
		return
	}
	closure, err := compiler.CompileWorkflow(wf, d.spec.GetSubworkflows(), tasks, plans)
	if err != nil {
		res.Errors, res.Codes = describeError(err)
		return
	}
	if s.opts.crd {
		res.CRD = "flyteworkflow"
		if _, err := k8s.BuildFlyteWorkflow(proto.Clone(closure).(*core.CompiledWorkflowClosure), &core.LiteralMap{},
			nil, ""); err != nil {
			msgs, codes := describeError(err)
			for i := range msgs {
				msgs[i] = "k8s transform: " + msgs[i]
			}
			res.Errors = append(res.Errors, msgs...)
			res.Codes = append(res.Codes, codes...)
		}
	}
}
