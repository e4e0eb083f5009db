"""Where the demo lives and how to reach it; one place for every address and login."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STATE = REPO / ".demo"
CONFIG = STATE / "config"
TOKEN_FILE = STATE / "token"
SIMULATOR_STATE = STATE / "simulator.json"
SCREENSHOT = STATE / "device.png"

HOST = "127.0.0.1"
HA_URL = f"http://{HOST}:8123"
SIMULATOR_URL = f"http://{HOST}:8765"
CLIENT_ID = f"{HA_URL}/"  # the frontend's OAuth client id

USERNAME = "demo"
PASSWORD = "connected-car"
SMARTCAR_CLIENT_ID = "sim-client-id"
SMARTCAR_CLIENT_SECRET = "sim-client-secret"
# Smartcar's v3 application (the simulator's defaults): its API credential and Application ID, and
# the Smartcar user who connects one car through it, beside the v2 user's other cars.
SMARTCAR_V3_CLIENT_ID = "client_sim_v3"
SMARTCAR_V3_CLIENT_SECRET = "sim-v3-secret"
SMARTCAR_V3_APPLICATION_ID = "00000000-0000-4000-8000-00000000c3c3"
SMARTCAR_V3_USER = "v3-demo"
SMARTCAR_V3_MODEL = "F-150"
SMARTCAR_V3_ENTRY = "Smartcar: Ford F-150"
VOLVO_CLIENT_ID = "sim-volvo-client-id"
VOLVO_CLIENT_SECRET = "sim-volvo-client-secret"
VOLVO_API_KEY = "sim-vcc-api-key"
HM_CLIENT_ID = "sim-hm-client-id"
HM_CLIENT_SECRET = "sim-hm-client-secret"
# The High Mobility fleet: (VIN, brand, how its clearance goes).
HM_APPROVED = ("WBY71AW010FP87213", "bmw")  # cleared already
HM_PENDING = ("W1K2060451R123456", "mercedes-benz")  # approved a few minutes after the start
HM_PENDING_FOR = 180
HM_REJECTED = ("VF1RCB00067891234", "renault")
HM_REJECT_REASON = "invalid OEM state"

CONFIGURATION_YAML = f"""\
# Written by `make demo`. Components are listed instead of default_config, which needs a compiler.
homeassistant:
  name: Connected Car demo
  latitude: 37.4419
  longitude: -122.1430
  elevation: 10
  unit_system: metric
  time_zone: America/Los_Angeles
  country: US
  currency: USD
  internal_url: {HA_URL}
  external_url: {HA_URL}

api:
application_credentials:
config:
conversation:
diagnostics:
frontend:
image:
onboarding:
person:
repairs:

logger:
  default: warning
  logs:
    custom_components.connected_car: info
"""
# Only for the first start: Home Assistant moves it into its storage, and ignores it afterwards.
HTTP_YAML = f"""
http:
  server_host: {HOST}
  server_port: 8123
"""
