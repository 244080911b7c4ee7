package models

import "time"

// stage is a status whose moves follow the money-moving rules: it only
// moves forward, and a final one is never left.
type stage[S any] interface {
	comparable
	CanMoveTo(S) bool
	Final() bool
}

// tracking is the part of a money-moving record every observation updates
// the same way: its status, how often it was checked, when it became final
// and when it is checked next.
type tracking[S stage[S]] struct {
	Status     *S
	Polls      *int
	FinalAt    **time.Time
	NextPollAt **time.Time
}

// observe moves the record to `to` when the rules allow it (final: no more
// checks), counts a status check, and keeps the next check only while the
// record is not final. It reports whether the status moved.
func (t tracking[S]) observe(to S, at time.Time, countPoll bool, nextPoll *time.Time) bool {
	from := *t.Status
	if countPoll {
		*t.Polls++
	}
	moved := from.CanMoveTo(to)
	if moved {
		*t.Status = to
		if to.Final() {
			*t.FinalAt, *t.NextPollAt = &at, nil
		}
	}
	if !from.Final() && !(moved && to.Final()) {
		*t.NextPollAt = nextPoll
	}
	return moved
}
