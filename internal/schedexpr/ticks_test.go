package schedexpr

import (
	"math/big"
	"testing"
)

func TestTicksPerMonth(t *testing.T) {
	tests := []struct {
		expr string
		// want is exact: runs in 2027–2030 (35,064 hours) scaled to 730
		// hours, or 730 hours over a rate's period.
		want *big.Rat
	}{
		// 730 h × 60 / 15 min.
		{"rate(15 minutes)", big.NewRat(2920, 1)},
		{"rate(1 minute)", big.NewRat(43800, 1)},
		{"rate(1 hour)", big.NewRat(730, 1)},
		// 730 / 24 / 7: a weekly rate fires 4.345… times a month.
		{"rate(7 days)", big.NewRat(730, 24*7)},
		// Daily: 1,461 days × 1 run × 730 / 35,064 h = 730/24.
		{"cron(0 3 * * ? *)", big.NewRat(730, 24)},
		// Every 5 minutes, every day: 288 a day.
		{"cron(0/5 * * * ? *)", big.NewRat(288*730, 24)},
		// Twice a day at :00 and :30 of hour 2.
		{"cron(0,30 2 * * ? *)", big.NewRat(2*730, 24)},
		// Weekdays: 2027–2030 have 1,043 of 1,461 days Monday to Friday.
		{"cron(0 8 ? * MON-FRI *)", big.NewRat(1043*730, 35064)},
		// The first of each month: 48 runs in 48 months.
		{"cron(0 0 1 * ? *)", big.NewRat(48*730, 35064)},
		// The last day of each month: also once a month.
		{"cron(0 0 L * ? *)", big.NewRat(48*730, 35064)},
		// The second Tuesday of each month.
		{"cron(0 0 ? * 3#2 *)", big.NewRat(48*730, 35064)},
		// Only in 2028 (a leap year): 366 runs over the four years.
		{"cron(0 0 * * ? 2028)", big.NewRat(366*730, 35064)},
		// A year outside the reference span: never, within it.
		{"cron(0 0 * * ? 2035)", new(big.Rat)},
		// Every day in January: 4 × 31 days.
		{"cron(0 12 * JAN ? *)", big.NewRat(124*730, 35064)},
	}
	for _, tt := range tests {
		got, err := TicksPerMonth(tt.expr)
		if err != nil {
			t.Errorf("TicksPerMonth(%q): %v", tt.expr, err)
			continue
		}
		if got.Cmp(tt.want) != 0 {
			t.Errorf("TicksPerMonth(%q): got %s; want %s", tt.expr, got.FloatString(6), tt.want.FloatString(6))
		}
	}
}

func TestTicksPerMonthRefusesWhatCheckRefuses(t *testing.T) {
	for _, expr := range []string{"rate(0 minutes)", "cron(0 3 * * * *)", "every day"} {
		if _, err := TicksPerMonth(expr); err == nil {
			t.Errorf("TicksPerMonth(%q): got no error; want Check's", expr)
		}
	}
}
