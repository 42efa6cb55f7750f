package wego

import (
	"reflect"
	"testing"
)

func sampleSession() *session {
	return &session{
		Expires: 1_800_000_000, OpenID: "oAlice", UnionID: "uAlice",
		Token:     &storedToken{Access: "UAT", Refresh: "URT", Expires: 1_700_007_020, Scope: ScopeUserInfo},
		Profile:   &UserProfile{Nickname: "小明 <&>", HeadImgURL: "https://thirdwx.qlogo.cn/a/132", Sex: 2, Province: "广东", City: "广州", Country: "中国", Privilege: []string{"chinaunicom"}},
		ProfileAt: 1_700_000_000,
		Pending:   []pendingLogin{{State: "WEGOabc", Return: "/me?x=1", Expires: 1_700_000_600}, {State: "d", Return: "/", Expires: -5}},
		Snapshot:  "1",
	}
}

func TestSessionCodecRoundTrip(t *testing.T) {
	for _, s := range []*session{sampleSession(), {}, {Expires: -1, Pending: []pendingLogin{{}}}, {Profile: &UserProfile{}}} {
		got, err := unmarshalSession(s.marshal())
		if err != nil {
			t.Fatalf("%+v: %v", s, err)
		}
		if len(s.Pending) == 0 {
			s.Pending = nil
		}
		if !reflect.DeepEqual(s, got) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, s)
		}
	}
}

func TestSessionCodecRefusesDamage(t *testing.T) {
	good := sampleSession().marshal()
	for i := range good {
		if _, err := unmarshalSession(good[:i]); err == nil {
			t.Fatalf("a session cut at %d of %d bytes decoded", i, len(good))
		}
	}
	for _, bad := range [][]byte{
		nil, {2}, append(append([]byte(nil), good...), 0),
		// Version, expiry, two empty strings, then a presence byte of 2.
		{1, 0, 0, 0, 2},
		// A list claiming 2^63 pending logins.
		{1, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
		// A varint of 11 bytes.
		{1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
	} {
		if _, err := unmarshalSession(bad); err == nil {
			t.Fatalf("%x decoded", bad)
		}
	}
}

// FuzzSessionDecode feeds the session decoder what a shared store could
// hold: it must refuse or decode, never panic, and what it decodes must
// encode and decode to the same session.
//
//	go test -run '^$' -fuzz FuzzSessionDecode .
func FuzzSessionDecode(f *testing.F) {
	f.Add(sampleSession().marshal())
	f.Add((&session{}).marshal())
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := unmarshalSession(data)
		if err != nil {
			return
		}
		again, err := unmarshalSession(s.marshal())
		if err != nil {
			t.Fatalf("re-encoded session does not decode: %v", err)
		}
		if !reflect.DeepEqual(s, again) {
			t.Fatalf("round trip changed the session:\n%+v\n%+v", s, again)
		}
	})
}
