package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/flyteorg/flyte/flyteidl/gen/pb-go/flyteidl/core"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// visitMessages calls fn for m and for every message nested in it (fields, lists, map values),
// depth first, with a dotted path for diagnostics.
func visitMessages(m protoreflect.Message, path string, fn func(path string, m protoreflect.Message)) {
	fn(path, m)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		child := path + "." + string(fd.Name())
		switch {
		case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
			list := v.List()
			for i := 0; i < list.Len(); i++ {
				visitMessages(list.Get(i).Message(), fmt.Sprintf("%s[%d]", child, i), fn)
			}
		case fd.IsMap() && fd.MapValue().Kind() == protoreflect.MessageKind:
			mp := v.Map()
			keys := make([]string, 0, mp.Len())
			values := map[string]protoreflect.Message{}
			mp.Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				ks := k.String()
				keys = append(keys, ks)
				values[ks] = mv.Message()
				return true
			})
			sort.Strings(keys)
			for _, k := range keys {
				visitMessages(values[k], fmt.Sprintf("%s[%q]", child, k), fn)
			}
		case !fd.IsList() && !fd.IsMap() && fd.Kind() == protoreflect.MessageKind:
			visitMessages(v.Message(), child, fn)
		}
		return true
	})
}

// unknownFieldWarnings lists the places where the decoder met field numbers that
// flyteidl v1.16.8 does not define (a sign that the writer used a newer or wrong schema).
func unknownFieldWarnings(msg proto.Message) []string {
	var out []string
	root := string(msg.ProtoReflect().Descriptor().Name())
	visitMessages(msg.ProtoReflect(), root, func(path string, m protoreflect.Message) {
		if raw := m.GetUnknown(); len(raw) > 0 {
			out = append(out, fmt.Sprintf("unknown field(s) in %s (%s): %d byte(s)", path, m.Descriptor().FullName(), len(raw)))
		}
	})
	return out
}

func isPlaceholder(value, what string) bool {
	compact := strings.ReplaceAll(value, " ", "")
	return value == "" || compact == "{{registration."+what+"}}"
}

// hydrateIdentifiers fills empty (or "{{ registration.* }}") project/domain/version in every
// core.Identifier of msg, the way registration does before entities reach the backend.
func hydrateIdentifiers(msg proto.Message, project, domain, version string) {
	visitMessages(msg.ProtoReflect(), "", func(_ string, m protoreflect.Message) {
		id, ok := m.Interface().(*core.Identifier)
		if !ok {
			return
		}
		if isPlaceholder(id.Project, "project") {
			id.Project = project
		}
		if isPlaceholder(id.Domain, "domain") {
			id.Domain = domain
		}
		if isPlaceholder(id.Version, "version") {
			id.Version = version
		}
	})
}

// idKey identifies an entity the way the compiler's indexes do (all identifier fields).
func idKey(id *core.Identifier) string {
	return fmt.Sprintf("%s/%s/%s/%s/%s/%s", id.GetResourceType(), id.GetOrg(), id.GetProject(), id.GetDomain(),
		id.GetName(), id.GetVersion())
}

// idLabel is the short human form used in reports.
func idLabel(id *core.Identifier) string {
	s := id.GetName()
	if id.GetProject() != "" || id.GetDomain() != "" {
		s = id.GetProject() + ":" + id.GetDomain() + ":" + s
	}
	if id.GetVersion() != "" {
		s += "@" + id.GetVersion()
	}
	return s
}
