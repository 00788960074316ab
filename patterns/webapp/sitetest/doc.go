// Package sitetest drives the web-app pattern's static front end
// (patterns/webapp/site) through whole sign-ins in headless Chromium, against
// local stand-ins for Cognito's user pool API and the items API, served with
// the Content-Security-Policy the site has in production. It holds tests
// only; they need Debian's chromium package (or KUMO_CHROMIUM naming a
// Chromium or Chrome binary) and skip without one, except under CI=true.
package sitetest
