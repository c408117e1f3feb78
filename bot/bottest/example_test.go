package bottest_test

import (
	"fmt"
	"time"

	"refbot/bot/bottest"
)

func ExampleClock() {
	c := bottest.NewClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	wake := c.After(time.Hour)
	<-c.Waiting() // the code under test is asleep
	c.Advance(time.Hour)
	fmt.Println((<-wake).Format(time.Kitchen))
	// Output: 10:00AM
}
