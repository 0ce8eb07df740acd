"""Ships the translations inside the installed package.

The catalogues live in ``locales/`` at the top of the repository (translators and
``bot.i18n_tools`` work there), outside the ``bot`` package; a plain ``pip install .`` would
leave them behind and every text would come out in English. This copies them into
``bot/locales/`` of the build, where ``bot.i18n.locales_dir`` looks first. An editable install
reads the source tree's ``locales/`` directly.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithLocales(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "bot" / "locales"
        for po in sorted((ROOT / "locales").glob("*/LC_MESSAGES/*.po")):
            out = target / po.relative_to(ROOT / "locales")
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(po, out)


setup(cmdclass={"build_py": BuildWithLocales})
