// Package chart is the geometry of the dashboard's server-drawn SVG charts:
// a frame with a rupiah axis of round steps, day or time ticks below, bars
// and lines placed in it. Templates draw what it computes; nothing here
// knows about HTML. Labels are in the language of the request whose
// context the chart is made with.
package chart

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"backoffice/internal/i18n"
)

// Frame is the drawing box (SVG viewBox units) and the margins that hold
// the axis labels.
type Frame struct {
	W, H                     float64
	Left, Right, Top, Bottom float64
}

// Default is the frame of the dashboard's wide charts.
var Default = Frame{W: 900, H: 260, Left: 78, Right: 16, Top: 12, Bottom: 30}

// Tick is one labelled mark on an axis; Pos is in viewBox units.
type Tick struct {
	Pos   float64
	Label string
}

// Bar is one rectangle, with the words a pointer or screen reader gets.
type Bar struct {
	X, Y, W, H float64
	Title      string
}

// Point is one marked reading on a line.
type Point struct {
	X, Y  float64
	Title string
}

// Chart is a frame with its value axis fixed.
type Chart struct {
	Frame
	Lo, Hi int64 // the value axis runs from Lo (bottom) to Hi (top)
	YTicks []Tick
	XTicks []Tick
}

// New makes a chart whose value axis covers lo..hi in round steps, its
// labels in ctx's language. The axis starts at zero unless every value is
// far from it (a balance).
func New(ctx context.Context, f Frame, lo, hi int64) Chart {
	if lo > 0 && lo < hi/2 {
		lo = 0
	}
	if lo > 0 && lo == hi {
		// One value: give it room either side.
		lo, hi = lo-lo/10, hi+hi/10
	}
	step := niceStep(hi - lo)
	lo = floorTo(lo, step)
	hi = ceilTo(hi, step)
	if hi <= lo {
		hi = lo + step
	}
	c := Chart{Frame: f, Lo: lo, Hi: hi}
	for v := lo; v <= hi; v += step {
		c.YTicks = append(c.YTicks, Tick{Pos: c.Y(v), Label: ShortRupiah(ctx, v)})
	}
	return c
}

// PlotLeft, PlotRight, PlotTop and PlotBottom are the inner box.
func (c Chart) PlotLeft() float64   { return c.Left }
func (c Chart) PlotRight() float64  { return c.W - c.Right }
func (c Chart) PlotTop() float64    { return c.Top }
func (c Chart) PlotBottom() float64 { return c.H - c.Bottom }

// X is the position of a fraction 0..1 of the way along the time axis.
func (c Chart) X(frac float64) float64 { return c.Left + frac*(c.W-c.Left-c.Right) }

// Y is the position of a value.
func (c Chart) Y(v int64) float64 {
	h := c.H - c.Top - c.Bottom
	return c.H - c.Bottom - float64(v-c.Lo)/float64(c.Hi-c.Lo)*h
}

// Bands places n equal day bands along the time axis and labels at most
// max of them (every k-th, always the first), returning each band's left
// edge and width.
func (c *Chart) Bands(labels []string, max int) (left []float64, width float64) {
	n := len(labels)
	if n == 0 {
		return nil, 0
	}
	width = (c.W - c.Left - c.Right) / float64(n)
	k := (n + max - 1) / max
	for i := range labels {
		x := c.Left + float64(i)*width
		left = append(left, x)
		if i%k == 0 {
			c.XTicks = append(c.XTicks, Tick{Pos: x + width/2, Label: labels[i]})
		}
	}
	return left, width
}

// Bar is a bar of value v standing on the bottom of the axis (or on zero).
func (c Chart) Bar(x, w float64, v int64, title string) Bar {
	base := max(c.Lo, 0)
	y0, y1 := c.Y(base), c.Y(v)
	if y1 > y0 {
		y0, y1 = y1, y0
	}
	return Bar{X: x, Y: y1, W: w, H: y0 - y1, Title: title}
}

// Line is a polyline through values at fractions 0..1 of the time axis, and
// its points.
func (c Chart) Line(fracs []float64, vs []int64, titles []string) (string, []Point) {
	var b strings.Builder
	pts := make([]Point, len(vs))
	for i, v := range vs {
		pts[i] = Point{X: c.X(fracs[i]), Y: c.Y(v), Title: titles[i]}
		fmt.Fprintf(&b, "%s,%s ", Num(pts[i].X), Num(pts[i].Y))
	}
	return strings.TrimSpace(b.String()), pts
}

// AddXTick labels a position along the time axis.
func (c *Chart) AddXTick(frac float64, label string) {
	c.XTicks = append(c.XTicks, Tick{Pos: c.X(frac), Label: label})
}

// Num prints a coordinate for SVG.
func Num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// niceStep is a round step (1, 2, 2.5 or 5 times a power of ten) dividing a
// span into about four parts.
func niceStep(span int64) int64 {
	if span <= 0 {
		return 1
	}
	raw := float64(span) / 4
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if s := m * pow; s >= raw {
			return max(int64(math.Round(s)), 1)
		}
	}
	return max(int64(10*pow), 1)
}

func floorTo(v, step int64) int64 {
	q := v / step * step
	if q > v {
		q -= step
	}
	return q
}

func ceilTo(v, step int64) int64 {
	q := floorTo(v, step)
	if q < v {
		q += step
	}
	return q
}

// ShortRupiah is an axis label in ctx's language, with at most one decimal
// (a comma, as amounts group thousands with dots in both languages):
// Rp 500 rb, Rp 1,2 jt, Rp 3 M, Rp 1,5 T (ribu, juta, miliar, triliun) in
// Indonesian; Rp 500k, Rp 1,2m, Rp 3bn, Rp 1,5tn in English.
func ShortRupiah(ctx context.Context, v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	units := []struct {
		size int64
		key  string
	}{{1_000_000_000_000, "chart.trillion"}, {1_000_000_000, "chart.billion"}, {1_000_000, "chart.million"}, {1_000, "chart.thousand"}}
	for _, u := range units {
		if v >= u.size {
			tenths := (v*10 + u.size/2) / u.size
			s := strconv.FormatInt(tenths/10, 10)
			if tenths%10 != 0 {
				s += "," + strconv.FormatInt(tenths%10, 10)
			}
			return "Rp " + sign + i18n.T(ctx, u.key, "N", s)
		}
	}
	return "Rp " + sign + strconv.FormatInt(v, 10)
}
