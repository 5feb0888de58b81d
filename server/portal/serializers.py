from django.urls import reverse
from rest_framework import serializers

from server.processes.serializers import UserRefSerializer

REQUIRED = "必填 / This field is required."
# Field messages in both languages (DRF's own follow the request's language only).
FILLED = {"required": REQUIRED, "blank": REQUIRED, "null": REQUIRED}
SCORE = "评分须为 1 到 5 的整数 / The score is a whole number from 1 to 5."


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, error_messages=FILLED)
    password = serializers.CharField(max_length=256, trim_whitespace=False, error_messages=FILLED)
    full_name = serializers.CharField(max_length=150, help_text="姓名 / Full name", error_messages=FILLED)
    phone = serializers.CharField(max_length=20, error_messages=FILLED)
    id_number = serializers.CharField(
        max_length=18, required=False, allow_blank=True, default="", help_text="optional, GB 11643"
    )
    organisation = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="id; default: the top of the tree"
    )


class GuideTextSerializer(serializers.Serializer):
    summary = serializers.CharField()
    who = serializers.CharField(help_text="who may apply")
    bring = serializers.ListField(child=serializers.CharField(), help_text="what to bring or upload")
    time = serializers.CharField(help_text="how long it takes (statutory or default time limits)")
    fee = serializers.CharField()


class GuideSerializer(serializers.Serializer):
    zh = GuideTextSerializer(allow_null=True)
    en = GuideTextSerializer(allow_null=True)


class ServiceSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    guide = GuideSerializer(allow_null=True, help_text="from the process's guide.json; null if it has none")
    start_form = serializers.JSONField(allow_null=True, help_text="JSON schema of the application form")
    start_ui_form = serializers.JSONField(allow_null=True, help_text="its ui schema")


class DraftSerializer(serializers.Serializer):
    process = serializers.CharField(source="process_key", read_only=True)
    data = serializers.JSONField()
    step = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)
    updated_at = serializers.DateTimeField(read_only=True)


class AttachmentUploadSerializer(serializers.Serializer):
    # Empty and missing files are refused by the service, with its bilingual messages.
    file = serializers.FileField(
        required=False, allow_empty_file=True, help_text="PDF, JPG, PNG, DOC or DOCX; at most 10 MiB"
    )
    instance = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="link it to this case at once"
    )


class AttachmentSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    uploaded_at = serializers.DateTimeField(read_only=True)
    instance = serializers.IntegerField(source="instance_id", read_only=True, allow_null=True)
    uploader = UserRefSerializer(read_only=True)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, attachment) -> str:
        return reverse("attachment-download", kwargs={"pk": attachment.pk})


class RatingInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(
        min_value=1,
        max_value=5,
        help_text="1 (poor) to 5 (excellent)",
        error_messages={**FILLED, "invalid": SCORE, "min_value": SCORE, "max_value": SCORE},
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
