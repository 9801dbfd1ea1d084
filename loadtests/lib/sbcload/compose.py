"""deploy/compose.yaml read as a plan for plain processes on this machine (no Docker engine).

The file is parsed with python3-yaml (anchors and merge keys resolved), ${VAR}, ${VAR:-default} and
${VAR:?message} interpolated as Compose does, and mapped onto the loopback: the compose network
172.29.53.0/24 becomes 127.29.53.0/24 (each fixed address keeps its last byte), every service name
becomes its service's mapped address (a service without a fixed address gets one from the
subnet that nobody else uses), secrets become files in the work dir. Whatever the mapping does not
understand ends the drill with a message: the drill must prove the shipped wiring, not a copy.
"""

import ipaddress
import os
import re
import secrets as pysecrets

from .procs import ToolError

COMPOSE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                       "deploy", "compose.yaml")

# keys of a service the mapping knows what to do with (and what it does is in DIFFERENCES)
NODE_KEYS = {"image", "build", "depends_on", "secrets", "healthcheck", "stop_grace_period", "restart", "mem_limit",
             "hostname", "environment", "ports", "volumes", "networks"}
FRONT_KEYS = {"image", "build", "command", "ports", "networks", "restart"}
PG_KEYS = {"image", "environment", "secrets", "volumes", "healthcheck", "networks", "restart"}
TOP_KEYS = {"name", "services", "networks", "volumes", "secrets"}

DIFFERENCES = [
    "each service is a plain process, not a container: a node is `deploy/start-node.sh` (the image's entrypoint) "
    "with the service's environment, the front `deploy/front/start-front.sh` with the service's `command` "
    "(SBC_FRONT_FOREGROUND=on, as its image runs it), PostgreSQL a private `initdb`/`pg_ctl` server",
    "addresses: 172.29.53.x -> 127.29.53.x; service names -> their mapped address; postgres (no fixed address "
    "in the file) -> {pg}",
    "`SBC_HTTP_HOST: 0.0.0.0` -> the node's own mapped address (only loopback addresses here); the `ports:` "
    "publications to the host are not made (each node is reached on its own address)",
    "secrets: fresh random files in the work dir, named by the *_FILE variables instead of /run/secrets/<name>",
    "image ENV: SBC_NODE_JAR = the jar built here, SBC_DATA_DIR = a dir per node in the work dir (the volume), "
    "SBC_JAVA_OPTS = -Xms/-Xmx {heap} -XX:+ExitOnOutOfMemoryError instead of -XX:MaxRAMPercentage=70 of "
    "mem_limit 1g (machine rule: heap at most 512m)",
    "SBC_NEXT_HOP (required by the file) = the drill's SIPp callee",
    "not done: healthcheck (the drill polls /ready itself), restart policy (the drill restarts), build/image",
]


def interpolate(value, env):
    """Compose's variable substitution in one string."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        name = m.group("braced") or m.group("plain")
        op, arg = m.group("op"), m.group("arg")
        val = env.get(name)
        if op == ":-":
            return val if val else arg
        if op == "-":
            return val if val is not None else arg
        if op == ":?":
            if not val:
                raise ToolError(f"compose file: {name} must be set ({arg})")
            return val
        if op is not None:
            raise ToolError(f"compose file: substitution operator {op!r} not understood in {value!r}")
        return val or ""
    pat = r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:-|-|:\?)(?P<arg>[^}]*))?\}|\$(?P<plain>[A-Za-z_][A-Za-z0-9_]*)"
    return re.sub(pat, sub, value)


def _walk(obj, env):
    if isinstance(obj, dict):
        return {k: _walk(v, env) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_walk(v, env) for v in obj]
    if isinstance(obj, str):
        return interpolate(obj, env)
    return obj


def load(path, env):
    try:
        import yaml
    except ImportError:
        raise ToolError("python3-yaml missing (apt-get install python3-yaml)")
    try:
        with open(path) as f:
            raw = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        raise ToolError(f"cannot read {path}: {e}")
    raw = {k: v for k, v in raw.items() if not k.startswith("x-")}  # extension fields: anchors only
    unknown = set(raw) - TOP_KEYS
    if unknown:
        raise ToolError(f"{path}: top-level keys the drill does not understand: {sorted(unknown)}")
    return _walk(raw, env)


class Plan:
    """The services of the compose file as the drill starts them."""

    def __init__(self, path, work, callee_uri, heap):
        self.path = path
        self.doc = load(path, dict(os.environ, SBC_NEXT_HOP=callee_uri))
        self.work = work
        self.heap = heap
        nets = self.doc.get("networks") or {}
        if list(nets) != ["sbc"]:
            raise ToolError(f"{path}: expected exactly one network 'sbc', found {list(nets)}")
        subnets = [c.get("subnet") for c in (nets["sbc"] or {}).get("ipam", {}).get("config", [])]
        if len(subnets) != 1:
            raise ToolError(f"{path}: network sbc needs one ipam subnet, found {subnets}")
        self.subnet = ipaddress.ip_network(subnets[0])
        if self.subnet.prefixlen < 8 or self.subnet.prefixlen > 30 or self.subnet.version != 4:
            raise ToolError(f"{path}: subnet {self.subnet} not mappable onto 127.0.0.0/8")
        services = self.doc.get("services") or {}
        self.nodes, self.front, self.pg = [], None, None
        self.addr = {}  # service name -> mapped address
        for name, svc in services.items():
            ip = ((svc.get("networks") or {}) if isinstance(svc.get("networks"), dict) else {}).get("sbc") or {}
            fixed = ip.get("ipv4_address") if isinstance(ip, dict) else None
            if fixed:
                self.addr[name] = self.map_ip(fixed)
        used = set(self.addr.values())
        for name, svc in services.items():
            if name not in self.addr:
                for host in self.subnet.hosts():
                    cand = self.map_ip(str(host))
                    if cand not in used and not cand.endswith(".1"):
                        self.addr[name] = cand
                        used.add(cand)
                        break
        for name, svc in services.items():
            image = str(svc.get("image", ""))
            if image.startswith("sbc-node:"):
                self._check(name, svc, NODE_KEYS)
                self.nodes.append(name)
            elif image.startswith("sbc-front:"):
                self._check(name, svc, FRONT_KEYS)
                self.front = name
            elif image.startswith("postgres:"):
                self._check(name, svc, PG_KEYS)
                self.pg = name
            else:
                raise ToolError(f"{path}: service {name} (image {image!r}) is none of sbc-node, sbc-front, postgres")
        if not self.nodes or not self.front or not self.pg:
            raise ToolError(f"{path}: needs sbc-node services, one sbc-front and one postgres service")
        self.secret_files = {}
        for s in (self.doc.get("secrets") or {}):
            d = os.path.join(work, "secrets")
            os.makedirs(d, exist_ok=True)
            p = os.path.join(d, s)
            with open(p, "w") as f:
                f.write(pysecrets.token_urlsafe(18) + "\n")
            self.secret_files[s] = p

    def _check(self, name, svc, keys):
        unknown = set(svc) - keys
        if unknown:
            raise ToolError(f"{self.path}: service {name} has keys the drill does not map: {sorted(unknown)}")

    def map_ip(self, ip):
        a = ipaddress.ip_address(ip)
        if a not in self.subnet:
            raise ToolError(f"{self.path}: address {ip} outside the network {self.subnet}")
        last = int(a) - int(self.subnet.network_address)
        return str(ipaddress.ip_address(int(ipaddress.ip_address("127.29.53.0")) + last)) if self.subnet.prefixlen >= 24 \
            else str(ipaddress.ip_address((127 << 24) | (int(a) & 0x00FFFFFF)))

    def map_value(self, value, own, key=""):
        """Addresses and service names inside one env value or argument: a name followed by a port
        (sbc1:7355, //postgres:5432) or the whole value of a *_HOST variable."""
        def ip(m):
            return self.map_ip(m.group(0)) if ipaddress.ip_address(m.group(0)) in self.subnet else m.group(0)
        v = re.sub(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", ip, value)
        for svc, addr in self.addr.items():
            v = re.sub(r"(?<![\w.-])" + re.escape(svc) + r"(?=:\d)", addr, v)
            if key.endswith("_HOST") and v == svc:
                v = addr
        if v == "0.0.0.0":
            v = own
        return v

    def secret_path(self, service, var, value):
        m = re.fullmatch(r"/run/secrets/([\w.-]+)", value)
        svc = self.doc["services"][service]
        if not m or m.group(1) not in (svc.get("secrets") or []) or m.group(1) not in self.secret_files:
            raise ToolError(f"{self.path}: {service}.{var}={value!r} is not a secret the service has")
        return self.secret_files[m.group(1)]

    def env_of(self, service):
        svc = self.doc["services"][service]
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(e.split("=", 1) for e in env)
        out = {}
        for k, v in env.items():
            v = "" if v is None else str(v)
            if k.endswith("_FILE"):
                out[k] = self.secret_path(service, k, v)
            else:
                out[k] = self.map_value(v, self.addr[service], k)
        return out

    def node_ports(self, service):
        env = self.env_of(service)
        try:
            return {"sip": int(env.get("SBC_SIP_PORT", 5060)), "http": int(env.get("SBC_HTTP_PORT", 8558)),
                    "cluster": int(env.get("SBC_CLUSTER_PORT", 7355))}
        except ValueError as e:
            raise ToolError(f"{self.path}: {service}: a port is not a number: {e}")

    def front_args(self):
        cmd = self.doc["services"][self.front].get("command")
        if not isinstance(cmd, list) or len(cmd) < 5:
            raise ToolError(f"{self.path}: front command must be the list of start-front.sh's arguments")
        args = [str(x) for x in cmd]
        mapped = [self.map_value(args[0], self.addr[self.front]), args[1], args[2], None]
        mapped += [self.map_value(x, self.addr[self.front]) for x in args[4:]]
        return mapped

    def pg_settings(self):
        env = self.doc["services"][self.pg].get("environment") or {}
        pw_file = env.get("POSTGRES_PASSWORD_FILE")
        password = None
        if pw_file:
            with open(self.secret_path(self.pg, "POSTGRES_PASSWORD_FILE", pw_file)) as f:
                password = f.read().strip()
        else:
            password = env.get("POSTGRES_PASSWORD")
        unknown = set(env) - {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD_FILE", "POSTGRES_PASSWORD"}
        if unknown or not password:
            raise ToolError(f"{self.path}: postgres environment not understood: {sorted(unknown) or 'no password'}")
        return {"host": self.addr[self.pg], "port": 5432, "user": env.get("POSTGRES_USER", "postgres"),
                "database": env.get("POSTGRES_DB", env.get("POSTGRES_USER", "postgres")), "password": password}

    def differences(self):
        return [d.format(pg=self.addr[self.pg], heap=self.heap) for d in DIFFERENCES]
