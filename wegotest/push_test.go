package wegotest

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// WeChat delivers an unanswered push three times in all: the first
// delivery and two retries, each after the push timeout.
func TestPushDeliversThreeTimesInAll(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.SetPushMode(PushPlain)
	s.SetPushTimeout(500 * time.Millisecond) // an immediate answer comes in well within it
	release := make(chan struct{})
	defer close(release)
	var arrived atomic.Int32
	var answer atomic.Int32 // the delivery that answers in time; 4: none does
	answer.Store(3)
	s.SetApp(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if arrived.Add(1) < answer.Load() {
			<-release // held past the timeout
			return
		}
		_, _ = w.Write([]byte("success"))
	}))

	r, err := s.Push("/wechat", TextMessage("oUser", "hi"))
	require.NoError(t, err)
	assert.Equal(t, 3, r.Attempts, "the second retry is answered")
	assert.Equal(t, int32(3), arrived.Load())

	// None answered: three deliveries, then an error saying so.
	arrived.Store(0)
	answer.Store(4)
	_, err = s.Push("/wechat", TextMessage("oUser", "again"))
	require.ErrorContains(t, err, "after 3 deliveries")
	assert.Eventually(t, func() bool { return arrived.Load() == 3 }, 10*time.Second, 10*time.Millisecond)
	time.Sleep(500 * time.Millisecond) // a fourth delivery would have been sent when Push returned
	assert.Equal(t, int32(3), arrived.Load(), "no fourth delivery")

	arrived.Store(0)
	_, err = s.Deliver("/wechat", TextMessage("oUser", "once"))
	require.ErrorContains(t, err, "after 1 delivery", "Deliver does not retry")
	assert.Equal(t, int32(1), arrived.Load())
}
