from django.urls import path

from api import openrosa

app_name = "openrosa"
urlpatterns = [
    path("<str:key>/formList", openrosa.form_list, name="form-list"),
    path("<str:key>/forms/<str:form_id>.xml", openrosa.form, name="form"),
    path("<str:key>/submission", openrosa.submission, name="submission"),
]
