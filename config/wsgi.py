import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from govsvc.core import heap  # noqa: E402  (needs the settings loaded above)

heap.install()
