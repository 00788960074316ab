package schedexpr

import (
	"strings"
	"testing"
)

func TestAccepted(t *testing.T) {
	for _, expr := range []string{
		// The user guide's examples.
		"rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)", "rate(7 days)",
		"cron(0 10 * * ? *)", "cron(15 12 * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)",
		"cron(0/15 * * * ? *)", "cron(0/10 * ? * MON-FRI *)", "cron(0/5 8-17 ? * MON-FRI *)",
		"cron(0 9 ? * 2#1 *)", "cron(0 0 L * ? *)", "cron(0 0 ? * 6L *)", "cron(0 0 15W * ? *)", "cron(0 0 LW * ? *)",
		"cron(30 2 ? JAN,JUL WED 2030-2035)", "cron(*/5 * * * ? *)", "cron(0 0 1 jan ? *)",
	} {
		if err := Check(expr); err != nil {
			t.Errorf("Check(%q): got %v; want nil", expr, err)
		}
	}
}

func TestRefused(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		// "If the value is equal to 1, then the unit must be singular."
		{"rate(1 hours)", "singular unit: rate(1 hour)"},
		// "If the value is greater than 1, the unit must be plural."
		{"rate(5 hour)", "plural unit: rate(5 hours)"},
		{"rate(0 minutes)", "positive whole number"},
		{"rate(5 seconds)", `unit "seconds"`},
		{"rate(5minutes)", "one space"},
		{"rate(-1 minutes)", "one space"},
		{"every 5 minutes", "neither rate"},
		{"cron(0 2 * * *)", "has 5 fields"},
		{"cron(0 2 * * ? * *)", "has 7 fields"},
		// "You can't use * in both the Day-of-month and Day-of-week fields."
		{"cron(0 2 * * * *)", "exactly one of day-of-month and day-of-week must be ?"},
		{"cron(0 2 ? * ? *)", "exactly one of day-of-month and day-of-week must be ?"},
		{"cron(60 2 * * ? *)", `minutes field "60"`},
		{"cron(0 24 * * ? *)", `hours field "24"`},
		{"cron(0 2 32 * ? *)", `day-of-month field "32"`},
		{"cron(0 2 * 13 ? *)", "1–12 or JAN–DEC"},
		{"cron(0 2 ? * 8 *)", "1–7 or SUN–SAT"},
		{"cron(0 2 * * ? 1969)", "1970–2199"},
		{"cron(? 2 * * ? *)", "? is only allowed in day-of-month and day-of-week"},
		{"cron(0 2 ? * MON#6 *)", "1–5"},
		{"cron(0/0 2 * * ? *)", "positive whole number"},
		{"cron(0 2 * * L *)", "exactly one of day-of-month"},
		{"cron(15L 2 * * ? *)", `"15L" is not a minutes value`},
		{"cron(0  2 * * ? *)", "has 7 fields"},
		{"cron(0 2 *, * ? *)", "empty list element"},
		{"rate(" + strings.Repeat("1", 300) + " minutes)", "at most 256"},
	} {
		err := Check(tc.expr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%q): got %v; want an error containing %q", tc.expr, err, tc.want)
		}
	}
}
