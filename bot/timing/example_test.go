package timing_test

import (
	"fmt"
	"time"

	"refbot/bot/timing"
)

// A weekly 01:30 in London across the night clocks go forward: the slot
// that does not exist fires when the clocks change.
func ExampleParse() {
	loc, _ := time.LoadLocation("Europe/London")
	tm, err := timing.Parse("30 1 * * 0", loc) // Sundays at 01:30
	if err != nil {
		panic(err)
	}
	t := time.Date(2026, 3, 20, 0, 0, 0, 0, loc)
	for range 3 {
		t = tm.Next(t)
		fmt.Println(t.Format("Mon 2 Jan 15:04 MST"))
	}
	// Output:
	// Sun 22 Mar 01:30 GMT
	// Sun 29 Mar 02:00 BST
	// Sun 5 Apr 01:30 BST
}
