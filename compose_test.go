package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// There is no Docker engine where the tests run: docker-compose.yml is
// checked by reading it. MongoDB must run with authentication (a root user
// and the replica set's keyfile), the service must connect as its own user
// with readWrite on the hailong database only, and no secret may be
// written in the file.

type composeService struct {
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

// fromEnv matches a required variable, "${NAME:?message}".
var fromEnv = regexp.MustCompile(`^\$\{[A-Z][A-Z0-9_]*:\?[^}]*\}$`)

// interpolation matches any "${...}".
var interpolation = regexp.MustCompile(`\$\{[^}]*\}`)

func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return f
}

// mountOf returns the host side of the volume mounted at target, or "".
func mountOf(s composeService, target string) string {
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == target {
			return parts[0]
		}
	}
	return ""
}

func TestComposeMongoRequiresAuthentication(t *testing.T) {
	f := readCompose(t)
	mongo, ok := f.Services["mongo"]
	if !ok {
		t.Fatal("no mongo service")
	}
	// The replica set runs with a keyfile (which also turns authorization on).
	i := slices.Index(mongo.Command, "--keyFile")
	if i < 0 || i+1 >= len(mongo.Command) || !slices.Contains(mongo.Command, "--replSet") {
		t.Fatalf("mongo command %q: want --replSet and --keyFile <path>", mongo.Command)
	}
	keyDir := filepath.Dir(mongo.Command[i+1])
	vol := mountOf(mongo, keyDir)
	if vol == "" {
		t.Fatalf("the keyfile's folder %s is not mounted in mongo", keyDir)
	}
	// The keyfile comes from an init step that mongo waits for, or a secret.
	var maker string
	for name, s := range f.Services {
		if name != "mongo" && slices.ContainsFunc(s.Volumes, func(v string) bool { return strings.HasPrefix(v, vol+":") }) {
			maker = name
		}
	}
	if maker == "" || mongo.DependsOn[maker].Condition != "service_completed_successfully" {
		t.Errorf("no init step writes the keyfile volume %s before mongo starts (maker %q, depends_on %v)", vol, maker, mongo.DependsOn)
	} else if script := strings.Join(f.Services[maker].Command, " "); !strings.Contains(script, "/dev/urandom") || !strings.Contains(script, "chmod 400") {
		t.Errorf("keyfile step %q: want a random key made private (chmod 400): %s", maker, script)
	}
	// A root user, its password from the environment.
	if mongo.Environment["MONGO_INITDB_ROOT_USERNAME"] == "" {
		t.Errorf("mongo: MONGO_INITDB_ROOT_USERNAME unset")
	}
	if pw := mongo.Environment["MONGO_INITDB_ROOT_PASSWORD"]; !fromEnv.MatchString(pw) {
		t.Errorf("mongo: MONGO_INITDB_ROOT_PASSWORD = %q, want ${VAR:?message}", pw)
	}
	// The health check must log in, or it cannot initiate or read the set.
	if hc := strings.Join(mongo.Healthcheck.Test, " "); !strings.Contains(hc, "-u ") || !strings.Contains(hc, "-p ") {
		t.Errorf("mongo healthcheck %q does not authenticate", hc)
	}
}

func TestComposeServiceUsesItsOwnUser(t *testing.T) {
	f := readCompose(t)
	mongo, app := f.Services["mongo"], f.Services["hailong"]
	raw := app.Environment["MONGODB_URI"]
	if raw == "" {
		t.Fatal("hailong: MONGODB_URI unset")
	}
	// Replace each ${...} by a placeholder to parse the URI; the password
	// must be one of them.
	vars := interpolation.FindAllString(raw, -1)
	u, err := url.Parse(interpolation.ReplaceAllString(raw, "VAR"))
	if err != nil || u.User == nil {
		t.Fatalf("MONGODB_URI %q: no user (%v)", raw, err)
	}
	user := u.User.Username()
	root := mongo.Environment["MONGO_INITDB_ROOT_USERNAME"]
	if user == "" || user == "VAR" || user == root || user == "root" || user == "admin" {
		t.Errorf("the service connects as %q (root is %q), want a user of its own", user, root)
	}
	if pw, _ := u.User.Password(); pw != "VAR" || len(vars) == 0 || !fromEnv.MatchString(vars[0]) {
		t.Errorf("MONGODB_URI %q: the password must be ${VAR:?message}", raw)
	}
	if q := u.Query(); q.Get("authSource") != "hailong" || q.Get("replicaSet") == "" || u.Path != "/hailong" {
		t.Errorf("MONGODB_URI %q: want the hailong database, authSource=hailong and the replica set", raw)
	}

	// The user is created by a script in /docker-entrypoint-initdb.d, with
	// readWrite on hailong and no other role.
	dir := mountOf(mongo, "/docker-entrypoint-initdb.d")
	if dir == "" {
		t.Fatal("no init scripts mounted into /docker-entrypoint-initdb.d")
	}
	scripts, _ := filepath.Glob(filepath.Join(dir, "*.js"))
	if len(scripts) == 0 {
		t.Fatalf("no .js init script in %s", dir)
	}
	var js string
	for _, p := range scripts {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		js += string(b)
	}
	if !strings.Contains(js, `createUser(`) || !strings.Contains(js, `user: "`+user+`"`) ||
		!regexp.MustCompile(`roles:\s*\[\{\s*role:\s*"readWrite",\s*db:\s*"hailong"\s*\}\]`).MatchString(js) {
		t.Errorf("init scripts do not create %q with readWrite on hailong only:\n%s", user, js)
	}
	for _, bad := range []string{"root", "dbOwner", "userAdmin", "clusterAdmin", "readWriteAnyDatabase"} {
		if strings.Contains(js, `"`+bad+`"`) {
			t.Errorf("init scripts grant %s", bad)
		}
	}
	// Its password comes from the environment mongo is given, the same
	// variable as in the URI.
	name := strings.TrimPrefix(strings.SplitN(vars[0], ":", 2)[0], "${")
	if !strings.Contains(js, "process.env."+name) || !fromEnv.MatchString(mongo.Environment[name]) {
		t.Errorf("the init script must read %s, which mongo must get as ${%s:?...}", name, name)
	}
}

// TestComposeHasNoSecretLiterals: every password or key in an environment
// block is a required variable, never a value.
func TestComposeHasNoSecretLiterals(t *testing.T) {
	f := readCompose(t)
	secret := regexp.MustCompile(`(?i)password|secret|token|key`)
	for name, s := range f.Services {
		for k, v := range s.Environment {
			if secret.MatchString(k) && !strings.HasSuffix(k, "_FILE") && !fromEnv.MatchString(v) {
				t.Errorf("%s: %s = %q, want ${VAR:?message}", name, k, v)
			}
			if k == "MONGODB_URI" {
				if u, err := url.Parse(interpolation.ReplaceAllString(v, "VAR")); err == nil && u.User != nil {
					if pw, set := u.User.Password(); set && pw != "VAR" {
						t.Errorf("%s: MONGODB_URI holds a literal password", name)
					}
				}
			}
		}
	}
}
