"""QGIS (headless, through its Python bindings) and OWSLib as real clients of Safeground.

Run by src/ogc/qgis.test.ts with Debian's python3 and one JSON argument:

  {"ogc": "http://127.0.0.1:PORT/ogc", "username": "...", "token": "...",
   "collections": ["hazards", ...], "png": "/tmp/.../hazards.png",
   "postgres": {"host": ..., "port": ..., "dbname": ..., "user": ..., "password": ..., "png": ...} or null}

It prints one JSON document of what the clients saw; the test compares it with the database.
"""
import json
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from owslib.ogcapi.features import Features  # noqa: E402
from owslib.util import Authentication  # noqa: E402
from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsAuthMethodConfig,
    QgsDataSourceUri,
    QgsFeatureRequest,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

config = json.loads(sys.argv[1])
result = {}

# OWSLib ends the landing page URL with a slash and reads it, the conformance and the collections.
owslib = Features(config["ogc"], auth=Authentication(config["username"], config["token"]))
result["owslib"] = {
    "url": owslib.url,
    "title": owslib.response.get("title"),
    "links": len(owslib.links),
    "collections": [c["id"] for c in owslib.collections()["collections"]],
    "conformsToCore": "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in owslib.conformance()["conformsTo"],
}

profile = tempfile.mkdtemp(prefix="safeground-qgis-")
os.environ["QGIS_AUTH_DB_DIR_PATH"] = profile
app = QgsApplication([], False, profile)
app.initQgis()

# The token goes in a Basic authentication configuration, as a QGIS user would store it.
auth = QgsApplication.authManager()
auth.setMasterPassword("safeground-test-master-password", True)
basic = QgsAuthMethodConfig("Basic")
basic.setName("Safeground")
basic.setConfig("username", config["username"])
basic.setConfig("password", config["token"])
auth.storeAuthenticationConfig(basic)


def oapif(collection):
    return QgsVectorLayer(f"url='{config['ogc']}' typename='{collection}' authcfg={basic.id()}", collection, "OAPIF")


def describe(layer, key):
    """Validity, count, field types and the features' key values in the layer's own order."""
    if not layer.isValid():
        return {"valid": False, "error": layer.error().summary()}
    keys = [str(f[key]) for f in layer.getFeatures()]
    return {
        "valid": True,
        "featureCount": layer.featureCount(),
        "keys": keys,
        "fields": {f.name(): f.typeName() for f in layer.fields()},
    }


def render(layer, path):
    """Draws the layer over its extent into a PNG; returns how many pixels are not background."""
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(layer.extent())
    settings.setOutputSize(QSize(400, 400))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(path, "PNG")
    white = QColor(255, 255, 255).rgb()
    drawn = sum(1 for x in range(0, 400, 4) for y in range(0, 400, 4) if image.pixel(x, y) != white)
    return {"path": path, "width": image.width(), "height": image.height(), "drawnSamples": drawn}


result["oapif"] = {c: describe(oapif(c), "id") for c in config["collections"]}

hazards = oapif("hazards")
hazards.setSubsetString("\"kind\" = 'cha'")
result["oapifFilter"] = describe(hazards, "id")
finds = oapif("finds")
finds.setSubsetString("\"foundOn\" >= '2020-01-01'")
result["oapifDateFilter"] = describe(finds, "id")
ordered = QgsFeatureRequest().addOrderBy("foundOn", False).addOrderBy("externalId", True)
result["oapifSorted"] = [str(f["externalId"]) for f in oapif("finds").getFeatures(ordered)]
result["oapifRender"] = render(oapif("hazards"), config["png"])

if config.get("postgres"):
    pg = config["postgres"]
    uri = QgsDataSourceUri()
    uri.setConnection(pg["host"], str(pg["port"]), pg["dbname"], pg["user"], pg["password"])
    layers = {}
    for view in ["hazards", "finds", "accidents", "settlements"]:
        uri.setDataSource("gis", view, "geom", "", "id")
        layers[view] = QgsVectorLayer(uri.uri(False), view, "postgres")
    result["postgres"] = {view: describe(layer, "id") for view, layer in layers.items()}
    layers["hazards"].setSubsetString("kind = 'cha'")
    result["postgresFilter"] = describe(layers["hazards"], "id")
    result["postgresRender"] = render(layers["finds"], pg["png"])

print(json.dumps(result), flush=True)
# Layers still referenced by Python when QGIS 3.22 exits crash the interpreter (SIGSEGV) as it
# tears down; the result is out, so leave without the teardown.
os._exit(0)
