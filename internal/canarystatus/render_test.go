package canarystatus

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"
)

func shopReport(t *testing.T) *Report {
	t.Helper()
	tagging, lam, cd := shop()
	r, err := Status(context.Background(), clients(tagging, lam, cd), shopQuery)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const wantShopText = `stack dev (project shop, eu-central-1): 3 functions

health  (shop-dev-health-1a2b3c)  live → version 3
  no deployments yet: deployment group shop-dev/health does not exist

web-items  (shop-dev-web-items-3e96e17)  live → version 7  canary: version 8 at 10%
  d-CANARY8  InProgress  CodeDeployDefault.LambdaCanary10Percent5Minutes  2026-11-21 10:02:11Z  —           —
  d-ROLLBK7  Succeeded   CodeDeployDefault.LambdaAllAtOnce                2026-11-20 09:04:30Z  took 32s    rollback of d-FAILED7
  d-FAILED7  Stopped     CodeDeployDefault.LambdaCanary10Percent5Minutes  2026-11-20 09:00:00Z  took 4m29s  rolled back by d-ROLLBK7; ALARM_ACTIVE: The deployment stopped because the alarm web-items-errors was in ALARM.
  d-FIRST07  Succeeded   CodeDeployDefault.LambdaAllAtOnce                2026-11-19 08:00:00Z  took 41s    —

worker  (shop-dev-worker-9f8e7d)  no live alias
  no deployments yet
`

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := shopReport(t).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != wantShopText {
		t.Errorf("WriteText() =\n%s\nwant\n%s", got, wantShopText)
	}
}

func TestWriteTextEmpty(t *testing.T) {
	var b bytes.Buffer
	r := &Report{Project: "shop", Stack: "prod", Region: "us-east-1"}
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "stack prod (project shop, us-east-1): 0 functions\n" +
		"no Lambda functions are tagged kumo:project=shop, kumo:stack=prod here; is the stack deployed to this region?\n"
	if got := b.String(); got != want {
		t.Errorf("WriteText() = %q; want %q", got, want)
	}
}

// wantShopJSON is the --json contract: scripts depend on every name here.
const wantShopJSON = `{
  "project": "shop",
  "stack": "dev",
  "region": "eu-central-1",
  "functions": [
    {
      "name": "health",
      "functionName": "shop-dev-health-1a2b3c",
      "functionArn": "arn:aws:lambda:eu-central-1:123456789012:function:shop-dev-health-1a2b3c",
      "aliasName": "live",
      "alias": {
        "name": "live",
        "version": "3",
        "routing": []
      },
      "application": "shop-dev",
      "deploymentGroup": "health",
      "deploymentGroupFound": false,
      "deployments": []
    },
    {
      "name": "web-items",
      "functionName": "shop-dev-web-items-3e96e17",
      "functionArn": "arn:aws:lambda:eu-central-1:123456789012:function:shop-dev-web-items-3e96e17",
      "aliasName": "live",
      "alias": {
        "name": "live",
        "version": "7",
        "routing": [
          {
            "version": "8",
            "weight": 0.1
          }
        ]
      },
      "application": "shop-dev",
      "deploymentGroup": "web-items",
      "deploymentGroupFound": true,
      "deployments": [
        {
          "id": "d-CANARY8",
          "status": "InProgress",
          "deploymentConfig": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
          "creator": "user",
          "createdAt": "2026-11-21T10:02:11Z",
          "completedAt": null,
          "error": null,
          "rollback": null
        },
        {
          "id": "d-ROLLBK7",
          "status": "Succeeded",
          "deploymentConfig": "CodeDeployDefault.LambdaAllAtOnce",
          "creator": "codeDeployRollback",
          "createdAt": "2026-11-20T09:04:30Z",
          "completedAt": "2026-11-20T09:05:02Z",
          "error": null,
          "rollback": {
            "rollbackDeploymentId": "",
            "rollbackTriggeringDeploymentId": "d-FAILED7",
            "message": ""
          }
        },
        {
          "id": "d-FAILED7",
          "status": "Stopped",
          "deploymentConfig": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
          "creator": "user",
          "createdAt": "2026-11-20T09:00:00Z",
          "completedAt": "2026-11-20T09:04:29Z",
          "error": {
            "code": "ALARM_ACTIVE",
            "message": "The deployment stopped because the alarm web-items-errors\nwas in ALARM."
          },
          "rollback": {
            "rollbackDeploymentId": "d-ROLLBK7",
            "rollbackTriggeringDeploymentId": "",
            "message": "Deployment d-FAILED7 was rolled back by d-ROLLBK7."
          }
        },
        {
          "id": "d-FIRST07",
          "status": "Succeeded",
          "deploymentConfig": "CodeDeployDefault.LambdaAllAtOnce",
          "creator": "user",
          "createdAt": "2026-11-19T08:00:00Z",
          "completedAt": "2026-11-19T08:00:41Z",
          "error": null,
          "rollback": null
        }
      ]
    },
    {
      "name": "worker",
      "functionName": "shop-dev-worker-9f8e7d",
      "functionArn": "arn:aws:lambda:eu-central-1:123456789012:function:shop-dev-worker-9f8e7d",
      "aliasName": "live",
      "alias": null,
      "application": "shop-dev",
      "deploymentGroup": "worker",
      "deploymentGroupFound": true,
      "deployments": []
    }
  ]
}
`

func TestJSON(t *testing.T) {
	b, err := shopReport(t).JSON()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != wantShopJSON {
		t.Errorf("JSON() =\n%s\nwant\n%s", got, wantShopJSON)
	}
	if !json.Valid(b) {
		t.Error("JSON() is not valid JSON")
	}
}

func TestJSONEmpty(t *testing.T) {
	b, err := (&Report{Project: "shop", Stack: "dev", Region: "eu-west-1"}).JSON()
	if err != nil {
		t.Fatal(err)
	}
	// An empty stack is an empty array, never null, so `.functions[]` works.
	want := "{\n  \"project\": \"shop\",\n  \"stack\": \"dev\",\n  \"region\": \"eu-west-1\",\n  \"functions\": []\n}\n"
	if got := string(b); got != want {
		t.Errorf("JSON() = %q; want %q", got, want)
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		w    float64
		want string
	}{
		{0.1, "10"}, {0.07, "7"}, {0.055, "5.5"}, {1.0 / 3, "33.33"}, {0.0001, "0.01"}, {0, "0"},
	}
	for _, tt := range tests {
		if got := percent(tt.w); got != tt.want {
			t.Errorf("percent(%v) = %q; want %q", tt.w, got, tt.want)
		}
	}
}

func TestTextTimesAreUTC(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	d := Deployment{Created: time.Date(2026, 11, 20, 10, 0, 0, 0, berlin)}
	if got, want := textTimeOf(d.Created), "2026-11-20 09:00:00Z"; got != want {
		t.Errorf("textTimeOf() = %q; want %q", got, want)
	}
	if got, want := *jsonTime(d.Created), "2026-11-20T09:00:00Z"; got != want {
		t.Errorf("jsonTime() = %q; want %q", got, want)
	}
}
