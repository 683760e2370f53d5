"""Page forms; the same validation the API does, then one domain function."""

from django import forms

from govsvc.directory.models import Department
from govsvc.evaluations.models import AppealGround, DeskOutcome, Indicator, Level

PAGE_CHANNELS = {"web": "网页", "mobile": "移动端", "window_pad": "窗口评价器"}


class RatingForm(forms.Form):
    level = forms.ChoiceField(
        label="您对这次办事满意吗", choices=Level.choices, widget=forms.RadioSelect
    )
    indicators = forms.MultipleChoiceField(
        label="哪些方面（可多选）",
        choices=Indicator.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    text = forms.CharField(
        label="意见建议", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    anonymous = forms.BooleanField(label="匿名评价（匿名差评无法回访告知整改结果）", required=False)
    channel = forms.ChoiceField(choices=list(PAGE_CHANNELS.items()), widget=forms.HiddenInput)


class FollowUpForm(forms.Form):
    text = forms.CharField(
        label="追评内容", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    channel = forms.ChoiceField(choices=list(PAGE_CHANNELS.items()), widget=forms.HiddenInput)


class DeskForm(forms.Form):
    title = forms.CharField(label="没办成的事", max_length=200)
    description = forms.CharField(label="经过说明", widget=forms.Textarea(attrs={"rows": 5}))
    failed_department = forms.ModelChoiceField(
        label="在哪个部门没办成", queryset=Department.objects.all(), required=False
    )
    reference = forms.CharField(label="办件或工单编号（如有）", max_length=64, required=False)
    contact_name = forms.CharField(label="联系人", max_length=64)
    contact_phone = forms.CharField(
        label="联系电话", max_length=20, widget=forms.TextInput(attrs={"type": "tel"})
    )


class RectificationActionForm(forms.Form):
    finding = forms.CharField(required=False)
    measures = forms.CharField(required=False)
    ground = forms.ChoiceField(choices=[("", "—"), *AppealGround.choices], required=False)
    reason = forms.CharField(required=False)
    note = forms.CharField(required=False)
    level = forms.ChoiceField(choices=[("", "未再评价"), *Level.choices], required=False)


class DeskActionForm(forms.Form):
    coordinator = forms.IntegerField(required=False)
    departments = forms.ModelMultipleChoiceField(queryset=Department.objects.all(), required=False)
    outcome = forms.ChoiceField(choices=[("", "—"), *DeskOutcome.choices], required=False)
    result = forms.CharField(required=False)
