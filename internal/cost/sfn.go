package cost

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// definition is the part of an Amazon States Language document kumo cost
// reads: the states, to count an execution's transitions and find its
// Lambda tasks.
type definition struct {
	StartAt string                `json:"StartAt"`
	States  map[string]*stateSpec `json:"States"`
}

type stateSpec struct {
	Type       string         `json:"Type"`
	Next       string         `json:"Next"`
	End        bool           `json:"End"`
	Default    string         `json:"Default"`
	Choices    []stateSpec    `json:"Choices"`
	Resource   string         `json:"Resource"`
	Parameters map[string]any `json:"Parameters"`
	Branches   []definition   `json:"Branches"`
	// A Map state's iterator: ItemProcessor, or Iterator before it.
	ItemProcessor *definition `json:"ItemProcessor"`
	Iterator      *definition `json:"Iterator"`
}

func parseDefinition(s string) (*definition, error) {
	var d definition
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return nil, err
	}
	if d.States[d.StartAt] == nil {
		return nil, fmt.Errorf("StartAt %q names no state", d.StartAt)
	}
	return &d, nil
}

// path is the states an execution passes on its way to success: from
// StartAt along Next (a Choice's Default, else its first choice) to an end.
// Catch and retry paths are not taken.
func (d *definition) path() []*stateSpec {
	var out []*stateSpec
	seen := map[string]bool{}
	for name := d.StartAt; name != "" && !seen[name]; {
		seen[name] = true
		s := d.States[name]
		if s == nil {
			break
		}
		out = append(out, s)
		switch {
		case s.End || s.Type == "Succeed" || s.Type == "Fail":
			name = ""
		case s.Type == "Choice" && s.Default != "":
			name = s.Default
		case s.Type == "Choice" && len(s.Choices) > 0:
			name = s.Choices[0].Next
		default:
			name = s.Next
		}
	}
	return out
}

func (s *stateSpec) iterator() *definition {
	if s.ItemProcessor != nil {
		return s.ItemProcessor
	}
	return s.Iterator
}

// transitions counts the state transitions of one successful execution,
// each state entered counting one (Step Functions pricing page: "a state
// transition each time a step of your workflow is executed"); a Map
// state's iterator counts once per item.
func (d *definition) transitions(items *big.Rat) *big.Rat {
	total := new(big.Rat)
	for _, s := range d.path() {
		total = add(total, one)
		switch s.Type {
		case "Parallel":
			for i := range s.Branches {
				total = add(total, s.Branches[i].transitions(items))
			}
		case "Map":
			if it := s.iterator(); it != nil {
				total = add(total, mul(items, it.transitions(items)))
			}
		}
	}
	return total
}

// task is a Lambda function a state machine invokes, and whether it runs
// inside a Map state (once per item).
type task struct {
	function string
	inMap    bool
}

// tasks are the Lambda tasks on the success path, in order.
func (d *definition) tasks() []task {
	var out []task
	var walk func(d *definition, inMap bool)
	walk = func(d *definition, inMap bool) {
		for _, s := range d.path() {
			switch s.Type {
			case "Task":
				if fn := s.lambda(); fn != "" {
					out = append(out, task{function: fn, inMap: inMap})
				}
			case "Parallel":
				for i := range s.Branches {
					walk(&s.Branches[i], inMap)
				}
			case "Map":
				if it := s.iterator(); it != nil {
					walk(it, true)
				}
			}
		}
	}
	walk(d, false)
	return out
}

// lambda is the function ARN a Task state invokes: the lambda:invoke
// integration's FunctionName, or a function ARN as the Resource.
func (s *stateSpec) lambda() string {
	if strings.HasPrefix(s.Resource, "arn:aws:states:::lambda:invoke") {
		fn, _ := s.Parameters["FunctionName"].(string)
		return fn
	}
	if strings.HasPrefix(s.Resource, "arn:aws:lambda:") {
		return s.Resource
	}
	return ""
}
