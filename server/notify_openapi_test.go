package server

import (
	"strconv"
	"testing"

	"hailong/notify"
	"hailong/notify/notifytest"
)

// oaNotifyConfig is the replay's notification configuration: a real SMTP
// server for the digests, and private targets allowed so the webhook
// receiver on loopback can be called (and the document's example host
// need not resolve).
func oaNotifyConfig(t *testing.T) NotifyConfig {
	box := notifytest.StartMailbox(t)
	s, err := notify.ParseSMTP("smtp://127.0.0.1:"+strconv.Itoa(box.Port), "hailong@example.gov.vn")
	if err != nil {
		t.Fatal(err)
	}
	return NotifyConfig{SMTP: s, AllowPrivate: true}
}

// oaNotifySteps replays the notification operations (notify_api.go).
func oaNotifySteps(t *testing.T) []oaStep {
	rc := notifytest.StartReceiver(t, 0)
	stp := map[string]string{"code": "so-tu-phap"}
	return []oaStep{
		{as: "admin", op: "PUT /api/v1/admin/agencies/{code}/notifications", params: stp, example: "settings", status: 200},
		{as: "staff", op: "PUT /api/v1/admin/agencies/{code}/notifications", params: stp, example: "settings", status: 403},
		{as: "admin", op: "PUT /api/v1/admin/agencies/{code}/notifications", params: stp, body: map[string]any{"emails": []string{"not an address"}}, status: 400},
		{as: "admin", op: "GET /api/v1/admin/agencies/{code}/notifications", params: stp, status: 200},
		{as: "admin", op: "GET /api/v1/admin/agencies/{code}/notifications", params: map[string]string{"code": "no-such"}, status: 404},
		{as: "admin", op: "POST /api/v1/admin/agencies/{code}/notifications/test", params: map[string]string{"code": "so-cong-thuong"}, status: 409},
		{as: "admin", op: "PUT /api/v1/admin/agencies/{code}/notifications", params: stp,
			body: map[string]any{"emails": []string{"vanthu@stp.tuyenquang.gov.vn"}, "webhook": map[string]string{"url": rc.URL + "/hook", "secret": "pakn-shared-secret-2026"}}, status: 200},
		{as: "admin", op: "POST /api/v1/admin/agencies/{code}/notifications/test", params: stp, status: 200, check: func(t *testing.T, b any) {
			if m, _ := b.(map[string]any); m["state"] != "delivered" {
				t.Errorf("test call to the receiver: %v, want delivered", b)
			}
		}},
		{as: "admin", op: "GET /api/v1/admin/agencies/{code}/notifications/deliveries", params: stp, status: 200},
		{as: "inspector", op: "GET /api/v1/admin/agencies/{code}/notifications/deliveries", params: stp, status: 403},
		{as: "admin", op: "POST /api/v1/admin/digests", status: 200},
		{op: "POST /api/v1/admin/digests", status: 401},
		{as: "admin", op: "PUT /api/v1/admin/agencies/{code}/notifications", params: stp, example: "remove", status: 200},
	}
}
