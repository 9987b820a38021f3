"""Faults and hostile files against a real server (``hotspots serve``, one process), with the figures of issue 17.

1. ``hotspots db restore`` while the server runs with its bodies kept ready: how long from the end of the
   command to the first correct answer (the list of the restored data, a point's page without error), and how
   many wrong answers came before it.
2. The database stopped under the running server: how long a request takes to be answered (503), and how long
   after the database is back the first 200 comes, without restarting the server.
3. XLSX bombs sent to ``POST /api/imports/signalements``: a 1.2 MB workbook whose shared strings expand to 1 GB,
   and one whose sheet expands to 3 GB: the answer, its time, and the server's memory (resident and peak, from
   ``/proc``) before and after each.

The figures measured before this work (same machine) are printed beside. Run:
``python benchmarks/bench_faults.py [--reports 20000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._database import throwaway_database  # noqa: E402
from benchmarks._mapdata import load_reports, sessions  # noqa: E402
from service.db import connect  # noqa: E402
from service.settings import Settings  # noqa: E402

BEFORE = {
    "restore": "≥ 40 s de données effacées servies, puis 500 sur les fiches (st_dwithin)",
    "down": "/api/signalements : 30 s puis 500 ; /api/ready : 500 ; /api/health : ok",
    "strings": "mémoire 0,49 → 2,6 Go, gardée ; 422",
    "sheet": "64 s de processeur avant le 422",
}


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTSPOTS_", "DATABASE_URL"))}
    env.update(HOTSPOTS_DATA_DIR=str(settings.data_dir), HOTSPOTS_PG_PORT=str(settings.pg_port), PYTHONPATH=str(ROOT))
    return env


def _memory(pid: int) -> dict[str, float]:
    """Resident and peak memory of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


class Client:
    def __init__(self, url: str, token: str) -> None:
        import httpx2

        self.http = httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120)

    def get(self, path: str) -> tuple[int, Any, float]:
        start = time.perf_counter()
        r = self.http.get(path)
        body = r.json() if r.headers.get("content-type", "").split(";")[0].endswith("json") else r.text
        return r.status_code, body, time.perf_counter() - start


def _states(client: Client) -> list[str]:
    status, body, _ = client.get("/api/points-sensibles")
    return [f["properties"]["etat"] for f in body["features"]] if status == 200 else [f"HTTP {status}"]


def bench_restore(settings: Settings, client: Client, tmp: Path) -> dict[str, Any]:
    from service.db.backup import backup

    original = _states(client)
    point = client.get("/api/points-sensibles")[1]["features"][0]["id"]
    assert client.get(f"/api/points-sensibles/{point}")[0] == 200
    dump = backup(settings, tmp / "avant.dump")
    with connect(settings) as conn:  # after the backup: every point changes state
        conn.execute("UPDATE sensitive_points SET state = 'surveille'")
        conn.commit()
    time.sleep(0.5)
    assert set(_states(client)) == {"surveille"}  # the server keeps this list ready
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "service", "db", "restore", str(dump), "--oui"],
        env=_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    restored = time.perf_counter()
    wrong, errors = 0, 0
    while True:
        states = _states(client)
        page = client.get(f"/api/points-sensibles/{point}")[0]
        if states == original and page == 200:
            break
        wrong += states != original
        errors += page >= 500
        if time.perf_counter() - restored > 120:
            break
    return {
        "commande_s": restored - start,
        "premiere_bonne_reponse_s": time.perf_counter() - restored,
        "reponses_fausses": wrong,
        "erreurs_500": errors,
        "sortie": done.stdout.strip()[-120:],
    }


def bench_database_down(settings: Settings, client: Client) -> dict[str, Any]:
    from service.db.cluster import ClusterManager, find_bin_dir

    manager = ClusterManager(settings)
    bin_dir = find_bin_dir(settings)
    assert bin_dir is not None
    manager._run([str(bin_dir / "pg_ctl"), "-D", str(manager.dir), "-m", "fast", "-w", "stop"])
    answers = {path: client.get(path) for path in ("/api/signalements", "/api/ready", "/api/health")}
    start = time.perf_counter()
    manager.up()
    back = time.perf_counter()
    while client.get("/api/signalements?limite=1")[0] != 200 and time.perf_counter() - back < 120:
        time.sleep(0.05)
    return {
        "pendant": {path: (status, round(took, 3)) for path, (status, _body, took) in answers.items()},
        "redemarrage_s": back - start,
        "premier_200_apres_s": time.perf_counter() - back,
    }


def _bomb(path: Path, member: str, gigabytes: float) -> Path:
    """A workbook whose ``member`` expands to ``gigabytes`` of one repeated letter (XML around it)."""
    template = ROOT / "tests" / "data" / "formats" / "patrouille.xlsx"
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != member:
                out.writestr(info, src.read(info.filename))
        with out.open(member, "w", force_zip64=True) as big:
            big.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            big.write(b"<si><t>")
            block = b"A" * (1 << 24)
            for _ in range(int(gigabytes * 64)):
                big.write(block)
            big.write(b"</t></si></sst>")
    return path


def bench_bombs(url: str, token: str, pid: int, tmp: Path) -> list[dict[str, Any]]:
    import httpx2

    out = []
    for name, member, size in (
        ("textes partagés 1 Go", "xl/sharedStrings.xml", 1.0),
        ("feuille 3 Go", "xl/worksheets/sheet1.xml", 3.0),
    ):
        path = _bomb(tmp / f"bombe_{len(out)}.xlsx", member, size)
        before = _memory(pid)
        start = time.perf_counter()
        with path.open("rb") as fh:
            r = httpx2.post(
                url + "/api/imports/signalements",
                files={"fichier": (path.name, fh)},
                headers={"Authorization": f"Bearer {token}"},
                timeout=600,
            )
        took = time.perf_counter() - start
        after = _memory(pid)
        out.append(
            {
                "bombe": name,
                "fichier_mo": path.stat().st_size / 1e6,
                "statut": r.status_code,
                "erreur": r.json().get("erreur", "")[:160],
                "secondes": took,
                "rss_avant_mo": before["VmRSS"],
                "rss_apres_mo": after["VmRSS"],
                "pic_mo": after["VmHWM"],
            }
        )
        path.unlink()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=20_000)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    with throwaway_database(54346) as settings, tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        load_reports(settings, args.reports)
        token = sessions(settings, 1)[0]
        command = [sys.executable, "-m", "service", "serve", "--port", str(port)]
        proc = subprocess.Popen(command, env=_env(settings), cwd=ROOT, stdout=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            client = Client(url, token)
            for _ in range(600):
                try:
                    if client.get("/api/ready")[0] == 200:
                        break
                except Exception:
                    time.sleep(0.1)
            restore = bench_restore(settings, client, tmp)
            down = bench_database_down(settings, client)
            bombs = bench_bombs(url, token, proc.pid, tmp)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    print(f"Pannes et fichiers piégés sur un vrai serveur ({args.reports:,} signalements)\n".replace(",", " "))
    print(f"1. Restauration sous un serveur en marche (avant : {BEFORE['restore']})")
    print(
        f"   commande {restore['commande_s']:.1f} s ; première réponse juste "
        f"{restore['premiere_bonne_reponse_s']:.3f} s après la fin de la commande ; réponses fausses avant : "
        f"{restore['reponses_fausses']}, 500 : "
        f"{restore['erreurs_500']}"
    )
    print(f"2. Base arrêtée (avant : {BEFORE['down']})")
    for path, (status, took) in down["pendant"].items():
        print(f"   {path:<20} {status} en {took * 1000:.0f} ms")
    print(
        f"   base redémarrée en {down['redemarrage_s']:.1f} s ; premier 200 {down['premier_200_apres_s']:.2f} s après, "
        "sans redémarrer le serveur"
    )
    print("3. Classeurs piégés (mémoire du processus serveur)")
    for bomb in bombs:
        key = "strings" if "textes" in bomb["bombe"] else "sheet"
        print(
            f"   {bomb['bombe']:<22} {bomb['fichier_mo']:.1f} Mo → {bomb['statut']} en {bomb['secondes']:.2f} s ; "
            f"mémoire {bomb['rss_avant_mo']:.0f} → {bomb['rss_apres_mo']:.0f} Mo (pic {bomb['pic_mo']:.0f} Mo) "
            f"[avant : {BEFORE[key]}]"
        )
        print(f"      « {bomb['erreur']} »")
    print("\n" + json.dumps({"restauration": restore, "base_arretee": down, "bombes": bombs}, default=str)[:2000])


if __name__ == "__main__":
    main()
