// Creates the service's own MongoDB user, "hailong": readWrite on the
// hailong database and nothing else (no other database, no user or cluster
// administration). The mongo image runs this once, as the root user, on the
// first start of an empty data volume (/docker-entrypoint-initdb.d). The
// password comes from the environment (docker-compose.yml), never from here.
const password = process.env.HAILONG_DB_PASSWORD;
if (!password) {
  throw new Error("HAILONG_DB_PASSWORD is not set");
}
db.getSiblingDB("hailong").createUser({
  user: "hailong",
  pwd: password,
  roles: [{ role: "readWrite", db: "hailong" }],
});
