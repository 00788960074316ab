// Package schedexpr checks EventBridge schedule expressions, rate(…) and
// cron(…), as PutRule accepts them. The Schedule construct validates its
// Expression with it before registering anything, and kumo synth's reality
// rule for aws:cloudwatch/eventRule runs the same check on every rule, so
// the two cannot disagree.
//
// The rules are the EventBridge user guide's
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
// and https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html).
// Only the canonical spelling is accepted: one space between a rate's value
// and unit, single spaces between cron fields.
package schedexpr

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Source is where the rules come from, for messages that cite them.
const Source = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html"

// MaxLength is PutRule's limit on ScheduleExpression
// (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html).
const MaxLength = 256

var (
	rateExpr = regexp.MustCompile(`^rate\((\d+) ([a-z]+)\)$`)
	cronExpr = regexp.MustCompile(`^cron\((.*)\)$`)
)

// Check returns nil when EventBridge accepts expr as a rule's schedule, and
// otherwise an error saying what is wrong and what is allowed.
func Check(expr string) error {
	switch {
	case len(expr) > MaxLength:
		return fmt.Errorf("%d characters; a schedule expression is at most %d", len(expr), MaxLength)
	case strings.HasPrefix(expr, "rate("):
		return checkRate(expr)
	case strings.HasPrefix(expr, "cron("):
		return checkCron(expr)
	}
	return fmt.Errorf("%q is neither rate(value unit), e.g. rate(5 minutes), nor cron(fields), e.g. cron(0 2 * * ? *)", expr)
}

// checkRate: "rate(value unit)"; value a positive integer, unit minute,
// hour or day, singular exactly when the value is 1 ("rate(1 hours) and
// rate(5 hour) aren't valid").
func checkRate(expr string) error {
	m := rateExpr.FindStringSubmatch(expr)
	if m == nil {
		return fmt.Errorf("%q is not rate(value unit) with one space, e.g. rate(5 minutes)", expr)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return fmt.Errorf("%q: the value must be a positive whole number", expr)
	}
	unit := m[2]
	singular := strings.TrimSuffix(unit, "s")
	if singular != "minute" && singular != "hour" && singular != "day" {
		return fmt.Errorf("%q: unit %q is not minute(s), hour(s) or day(s)", expr, unit)
	}
	switch {
	case n == 1 && unit != singular:
		return fmt.Errorf("%q: a value of 1 takes the singular unit: rate(1 %s)", expr, singular)
	case n > 1 && unit == singular:
		return fmt.Errorf("%q: a value above 1 takes the plural unit: rate(%d %ss)", expr, n, singular)
	}
	return nil
}

// field is one cron field: its name, range of values, names for values
// (months, weekdays) and which of the special characters L, W, # it takes.
type field struct {
	name    string
	lo, hi  int
	names   []string // names[i] is value lo+i
	special string
}

var (
	months   = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	weekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	fields   = []field{
		{name: "minutes", lo: 0, hi: 59},
		{name: "hours", lo: 0, hi: 23},
		{name: "day-of-month", lo: 1, hi: 31, special: "?LW"},
		{name: "month", lo: 1, hi: 12, names: months},
		{name: "day-of-week", lo: 1, hi: 7, names: weekdays, special: "?L#"},
		{name: "year", lo: 1970, hi: 2199},
	}
)

// checkCron: six fields separated by single spaces (minutes hours
// day-of-month month day-of-week year); exactly one of day-of-month and
// day-of-week is "?" ("If you specify a value or a * (asterisk) in one of
// the fields, you must use a ? (question mark) in the other").
func checkCron(expr string) error {
	m := cronExpr.FindStringSubmatch(expr)
	if m == nil {
		return fmt.Errorf("%q is not cron(fields)", expr)
	}
	parts := strings.Split(m[1], " ")
	if len(parts) != len(fields) {
		return fmt.Errorf("%q has %d fields separated by single spaces; a cron expression has 6: minutes hours day-of-month month day-of-week year, e.g. cron(0 2 * * ? *)", expr, len(parts))
	}
	for i, f := range fields {
		if err := f.check(parts[i]); err != nil {
			return fmt.Errorf("%q: %s field %q: %w", expr, f.name, parts[i], err)
		}
	}
	if dom, dow := parts[2] == "?", parts[4] == "?"; dom == dow {
		return fmt.Errorf("%q: exactly one of day-of-month and day-of-week must be ?, e.g. cron(0 2 * * ? *) or cron(0 2 ? * MON-FRI *)", expr)
	}
	return nil
}

func (f field) check(s string) error {
	if s == "?" {
		if !strings.Contains(f.special, "?") {
			return fmt.Errorf("? is only allowed in day-of-month and day-of-week")
		}
		return nil
	}
	for _, item := range strings.Split(s, ",") {
		if err := f.item(item); err != nil {
			return err
		}
	}
	return nil
}

// item is one element of a comma list: *, a value, a range, any of those
// with /step, or the field's special forms (L, LW, nW in day-of-month; L,
// nL, n#k in day-of-week).
func (f field) item(s string) error {
	if s == "" {
		return fmt.Errorf("empty list element")
	}
	if handled, err := f.specialItem(s); handled {
		return err
	}
	base, step, hasStep := strings.Cut(s, "/")
	if hasStep {
		if n, err := strconv.Atoi(step); err != nil || n < 1 {
			return fmt.Errorf("step %q is not a positive whole number", step)
		}
	}
	if base == "*" {
		return nil
	}
	lo, hi, isRange := strings.Cut(base, "-")
	if err := f.value(lo); err != nil {
		return err
	}
	if isRange {
		return f.value(hi)
	}
	return nil
}

// specialItem checks the L, W and # forms of day-of-month and day-of-week;
// handled says whether s is one of them, and then err is its verdict.
// Anything else with those letters (15L in minutes) is left to value, which
// refuses it.
func (f field) specialItem(s string) (handled bool, err error) {
	dom, dow := strings.Contains(f.special, "W"), strings.Contains(f.special, "#")
	switch {
	case (dom || dow) && s == "L", dom && s == "LW":
		return true, nil
	case dom && strings.HasSuffix(s, "W"):
		return true, f.value(strings.TrimSuffix(s, "W"))
	case dow && strings.HasSuffix(s, "L"):
		return true, f.value(strings.TrimSuffix(s, "L"))
	case dow && strings.Contains(s, "#"):
		day, nth, _ := strings.Cut(s, "#")
		if err := f.value(day); err != nil {
			return true, err
		}
		if n, err := strconv.Atoi(nth); err != nil || n < 1 || n > 5 {
			return true, fmt.Errorf("%q: the week after # is 1–5", s)
		}
		return true, nil
	}
	return false, nil
}

// value is one number of the field's range, or one of its names.
func (f field) value(s string) error {
	for _, n := range f.names {
		if strings.EqualFold(s, n) {
			return nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.lo || n > f.hi {
		allowed := fmt.Sprintf("%d–%d", f.lo, f.hi)
		if len(f.names) > 0 {
			allowed += fmt.Sprintf(" or %s–%s", f.names[0], f.names[len(f.names)-1])
		}
		return fmt.Errorf("%q is not a %s value (%s)", s, f.name, allowed)
	}
	return nil
}
