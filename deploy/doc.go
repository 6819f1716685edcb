// Package deploy holds no code: its tests check the deployment files in this
// directory (image spec, compose files, proxy config), the Dockerfile and the
// scripts that build and back up a deployment.
package deploy
