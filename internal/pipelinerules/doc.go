// Package pipelinerules holds the rules Step Functions, Firehose and AWS IoT
// apply to the documents they are given, as pure functions over decoded
// values: the structure of an Amazon States Language definition, the
// expressions of a delivery stream's S3 prefixes and the clauses and topic
// filter of an IoT rule's SQL. The constructs run them on what they are
// about to register, and kumo synth's reality layer on what any program
// registered, so a rule is written, cited and tested once.
package pipelinerules

// Problem is one thing AWS would refuse, at a path inside the document
// ("States.Split.Next", "Prefix").
type Problem struct {
	Path string
	Msg  string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}
