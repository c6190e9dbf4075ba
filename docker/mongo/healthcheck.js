// The mongo service's health check (mongosh --nodb --quiet --file). Healthy only when the real
// server, not the entrypoint's temporary init-time one, belongs to a replica set that has a
// primary; on its first run it initiates the set. It logs in as root with the password read
// from its secret file, so no password sits on a command line or in `docker inspect`.
const fs = require("fs");

const user = process.env.MONGO_INITDB_ROOT_USERNAME;
const password = fs.readFileSync(process.env.MONGO_INITDB_ROOT_PASSWORD_FILE, "utf8").trim();
const address = process.env.MONGO_HEALTHCHECK_ADDRESS || "127.0.0.1:27017";
const setName = process.env.MONGO_REPLICA_SET || "rs0";
// The set's members as the other containers reach them; the first one is preferred as primary.
const members = (process.env.MONGO_REPLICA_MEMBERS || "mongo:27017").split(",");

let admin;
try {
  const login = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  admin = new Mongo(
    `mongodb://${login}@${address}/admin?directConnection=true&serverSelectionTimeoutMS=3000`
  ).getDB("admin");
} catch (unreachable) {
  quit(1); // not up yet, or root not created yet
}
const hello = admin.runCommand({ hello: 1 });
if (!hello.isreplicaset && !hello.setName) {
  quit(1); // the temporary init-time server: started without --replSet, never the real one
}
if (!hello.setName) {
  admin.runCommand({
    replSetInitiate: {
      _id: setName,
      members: members.map((host, index) => ({ _id: index, host: host, priority: index ? 1 : 2 })),
    },
  });
  quit(1); // healthy on a later run, once a primary is elected
}
quit(hello.primary && (hello.isWritablePrimary || hello.secondary) ? 0 : 1);
