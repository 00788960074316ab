package cost

import (
	"fmt"
	"math/big"
	"strings"
)

// Money is an exact amount of US dollars. Arithmetic is on rationals, so a
// total is the exact sum of its lines whatever their order; rounding
// happens only when an amount is printed. The zero value is $0.
type Money struct{ r *big.Rat }

// rat is m's value; never mutate it.
func (m Money) rat() *big.Rat {
	if m.r == nil {
		return new(big.Rat)
	}
	return m.r
}

func moneyOf(r *big.Rat) Money { return Money{r: new(big.Rat).Set(r)} }

// Add returns m + o.
func (m Money) Add(o Money) Money { return Money{r: new(big.Rat).Add(m.rat(), o.rat())} }

// Sub returns m − o.
func (m Money) Sub(o Money) Money { return Money{r: new(big.Rat).Sub(m.rat(), o.rat())} }

// Cmp compares m and o as big.Rat.Cmp does.
func (m Money) Cmp(o Money) int { return m.rat().Cmp(o.rat()) }

// IsZero says whether m is exactly $0.
func (m Money) IsZero() bool { return m.rat().Sign() == 0 }

// Rat returns a copy of the exact value.
func (m Money) Rat() *big.Rat { return new(big.Rat).Set(m.rat()) }

// Micros is m in micro-dollars, rounded half away from zero: the precision
// of the JSON contract.
func (m Money) Micros() string { return m.rat().FloatString(6) }

// String is m in dollars and cents, rounded half away from zero, with
// thousands separators: what the text report prints.
func (m Money) String() string { return "$" + group(m.rat().FloatString(2)) }

// MarshalJSON writes the amount as a decimal string of micro-dollar
// precision ("12.345678"): a JSON number would invite a float reader to
// drift, and the contract promises exact decimals.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(`"` + m.Micros() + `"`), nil }

// dec parses a decimal literal exactly; it panics on a bad literal, so use
// it only for constants in the code.
func dec(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(fmt.Sprintf("cost: bad decimal constant %q", s))
	}
	return r
}

func ratInt(n int64) *big.Rat { return new(big.Rat).SetInt64(n) }

func mul(xs ...*big.Rat) *big.Rat {
	out := big.NewRat(1, 1)
	for _, x := range xs {
		out.Mul(out, x)
	}
	return out
}

func add(xs ...*big.Rat) *big.Rat {
	out := new(big.Rat)
	for _, x := range xs {
		out.Add(out, x)
	}
	return out
}

func sub(a, b *big.Rat) *big.Rat { return new(big.Rat).Sub(a, b) }

// quo is a/b; b must not be zero.
func quo(a, b *big.Rat) *big.Rat { return new(big.Rat).Quo(a, b) }

func minRat(a, b *big.Rat) *big.Rat {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}

func maxRat(a, b *big.Rat) *big.Rat {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

// ceil rounds a non-negative rational up to a whole number.
func ceil(x *big.Rat) *big.Rat {
	if x.IsInt() {
		return new(big.Rat).Set(x)
	}
	q := new(big.Int).Quo(x.Num(), x.Denom())
	if x.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return new(big.Rat).SetInt(q)
}

// group inserts thousands separators into a plain decimal ("-1234.50" →
// "-1,234.50").
func group(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if hasFrac {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// qty prints a quantity for a formula: whole numbers with thousands
// separators, fractions with up to four significant decimals (the formula
// is for people; the amount beside it is computed exactly).
func qty(x *big.Rat) string {
	if x.IsInt() {
		return group(x.Num().String())
	}
	f, _ := x.Float64()
	abs := f
	if abs < 0 {
		abs = -abs
	}
	prec := 4
	switch {
	case abs >= 100:
		prec = 2
	case abs >= 1:
		prec = 3
	case abs > 0:
		// Enough decimals for four significant digits of a small number.
		for p, lim := 4, 0.001; abs < lim && p < 14; p, lim = p+1, lim/10 {
			prec = p + 1
		}
	}
	s := x.FloatString(prec)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return group(s)
}

// price prints a unit price as the table gives it, exactly ("0.0000133334").
func price(x *big.Rat) string {
	if x.IsInt() {
		return x.Num().String()
	}
	// A price from the table is a finite decimal; 16 places is more than
	// any entry has.
	s := strings.TrimRight(x.FloatString(16), "0")
	return strings.TrimSuffix(s, ".")
}
