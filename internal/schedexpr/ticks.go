package schedexpr

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// HoursPerMonth is the month AWS's price calculators use (730 hours), so a
// schedule's runs and an always-on resource's hours are counted over the
// same month.
const HoursPerMonth = 730

// Reference span over which a cron expression's runs are counted: four
// whole years, one of them a leap year, so day-of-month, weekday and
// month-end rules average out exactly.
var (
	spanStart = time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC)
	spanEnd   = time.Date(2031, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// TicksPerMonth is how many times a schedule expression fires in a
// 730-hour month, exactly: rate(15 minutes) fires 2,920 times, cron(0 3 *
// * ? *) 30 5/12 times. A cron expression is counted over 2027–2030 (every
// minute it matches, in UTC as EventBridge evaluates it) and scaled to 730
// hours, so a year field outside those years counts nothing. expr must pass
// Check.
func TicksPerMonth(expr string) (*big.Rat, error) {
	if err := Check(expr); err != nil {
		return nil, err
	}
	if m := rateExpr.FindStringSubmatch(expr); m != nil {
		n, _ := strconv.Atoi(m[1])
		minutes := map[string]int64{"minute": 1, "hour": 60, "day": 1440}[strings.TrimSuffix(m[2], "s")]
		return big.NewRat(HoursPerMonth*60, minutes*int64(n)), nil
	}
	parts := strings.Split(cronExpr.FindStringSubmatch(expr)[1], " ")
	sets := make([]map[int]bool, 4)
	for i := 0; i < 4; i++ {
		if i == 2 {
			continue // day-of-month is matched per day (L, W)
		}
		s, err := fields[i].set(parts[i])
		if err != nil {
			return nil, fmt.Errorf("%q: %s field: %w", expr, fields[i].name, err)
		}
		sets[i] = s
	}
	years, err := fields[5].set(parts[5])
	if err != nil {
		return nil, fmt.Errorf("%q: year field: %w", expr, err)
	}
	perDay := int64(len(sets[0]) * len(sets[1]))
	var days int64
	for d := spanStart; d.Before(spanEnd); d = d.AddDate(0, 0, 1) {
		if years[d.Year()] && sets[3][int(d.Month())] && dayMatches(parts[2], parts[4], d) {
			days++
		}
	}
	spanHours := int64(spanEnd.Sub(spanStart) / time.Hour)
	return big.NewRat(days*perDay*HoursPerMonth, spanHours), nil
}

// set expands a field without special forms into its values.
func (f field) set(s string) (map[int]bool, error) {
	out := map[int]bool{}
	for _, item := range strings.Split(s, ",") {
		base, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			step, _ = strconv.Atoi(stepText)
		}
		lo, hi := f.lo, f.hi
		if base != "*" {
			l, h, isRange := strings.Cut(base, "-")
			var err error
			if lo, err = f.num(l); err != nil {
				return nil, err
			}
			hi = lo
			if isRange {
				if hi, err = f.num(h); err != nil {
					return nil, err
				}
			} else if hasStep {
				hi = f.hi // "5/10" runs from 5 to the end of the range
			}
		}
		for v := lo; v <= hi; v += step {
			out[v] = true
		}
	}
	return out, nil
}

// num is a field value as a number, names (JAN, MON) included.
func (f field) num(s string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.lo + i, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.lo || n > f.hi {
		return 0, fmt.Errorf("%q is not a %s value", s, f.name)
	}
	return n, nil
}

// dayMatches says whether day d is in the day-of-month or day-of-week
// field (the other is "?"), with EventBridge's L, W and # forms: L the last
// day of the month (in day-of-week: Saturday, or nL the last weekday n of
// the month), nW the weekday nearest day n within the month, LW the last
// weekday, n#k the k-th weekday n.
func dayMatches(dom, dow string, d time.Time) bool {
	last := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if dom != "?" {
		for _, item := range strings.Split(dom, ",") {
			switch {
			case item == "L":
				if d.Day() == last {
					return true
				}
			case item == "LW":
				if d.Day() == nearestWeekday(d, last, last) {
					return true
				}
			case strings.HasSuffix(item, "W"):
				n, _ := strconv.Atoi(strings.TrimSuffix(item, "W"))
				if n <= last && d.Day() == nearestWeekday(d, n, last) {
					return true
				}
			default:
				s, _ := fields[2].set(item)
				if s[d.Day()] {
					return true
				}
			}
		}
		return false
	}
	wd := int(d.Weekday()) + 1 // EventBridge: 1 = SUN … 7 = SAT
	for _, item := range strings.Split(dow, ",") {
		switch {
		case item == "L":
			if wd == 7 {
				return true
			}
		case strings.HasSuffix(item, "L"):
			n, _ := fields[4].num(strings.TrimSuffix(item, "L"))
			if wd == n && d.Day()+7 > last {
				return true
			}
		case strings.Contains(item, "#"):
			day, nth, _ := strings.Cut(item, "#")
			n, _ := fields[4].num(day)
			k, _ := strconv.Atoi(nth)
			if wd == n && (d.Day()-1)/7+1 == k {
				return true
			}
		default:
			s, _ := fields[4].set(item)
			if s[wd] {
				return true
			}
		}
	}
	return false
}

// nearestWeekday is the day of d's month, Monday to Friday, nearest day n
// without leaving the month (Quartz's W rule, which EventBridge follows).
func nearestWeekday(d time.Time, n, last int) int {
	t := time.Date(d.Year(), d.Month(), n, 0, 0, 0, 0, time.UTC)
	switch t.Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3 // Monday the 3rd
		}
		return n - 1
	case time.Sunday:
		if n == last {
			return n - 2
		}
		return n + 1
	}
	return n
}
